"""Reading and writing files: atomic writes, user cohort files."""

from cvirisk.io.atomic import atomic_path, write_json_atomic, write_table_atomic
from cvirisk.io.cohort_file import CohortColumns, read_cohort_file

__all__ = ["CohortColumns", "atomic_path", "read_cohort_file", "write_json_atomic", "write_table_atomic"]
