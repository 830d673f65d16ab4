"""Reading and writing files: atomic writes, user cohort files."""

from cvirisk.io.atomic import atomic_path, write_json_atomic, write_table_atomic

__all__ = ["atomic_path", "write_json_atomic", "write_table_atomic"]
