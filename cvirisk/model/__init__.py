"""The disease model, written once and shared by both engines.

* :mod:`cvirisk.model.features` -- the vocabulary of hazard-ratio features and states;
* :mod:`cvirisk.model.hazards` -- Gompertz log-linear hazards built from parameters
  (:class:`~cvirisk.model.hazards.HazardModel`) and their closed-form integral and inverse;
* :mod:`cvirisk.model.state` -- the struct-of-arrays person state and scheduled events;
* :mod:`cvirisk.model.effects` -- what each event does, which transitions are enabled, and the
  instantaneous chains (CEAP class, PE and post-thrombotic damage, care, referral, death);
* :mod:`cvirisk.model.kernel` -- :class:`~cvirisk.model.kernel.Kernel`, the next-reaction
  stepper: ``plan(idx) -> (t_next, what)``, ``advance(idx, t_next)``, ``fire(idx, what)``,
  ``operate(idx)``; any index array of persons, each at their own time;
* :mod:`cvirisk.model.events` -- the event vocabulary and the event buffer.
"""
