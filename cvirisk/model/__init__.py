"""The disease model: the declared structure compiled for the engines.

* ``cvirisk/params/defaults/model.yaml`` declares the structure (variables, transitions with
  their guards, effects, events, clocks and hooks; schedules) and
  :mod:`cvirisk.params.model_spec` validates it; the numbers are parameters;
* :mod:`cvirisk.model.compile` flattens structure and numbers into the arrays that
  the engine in :mod:`cvirisk.sim.compiled` interprets;
* :mod:`cvirisk.model.events` -- the event vocabulary and each kind's details;
* :mod:`cvirisk.model.docs` -- ``docs/model.md`` written from the declared model.

The hazard-ratio features a fit may name are :data:`cvirisk.params.model_spec.FEATURES`.
"""
