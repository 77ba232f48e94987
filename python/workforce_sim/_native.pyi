"""Type stubs of the extension module (the Rust core through PyO3)."""

from os import PathLike
from typing import Any, Optional, Sequence, Tuple, Union

_Path = Union[str, PathLike[str]]

class WorkforceSimError(Exception):
    """A simulation, census, configuration or store error, with the command line's message."""

class Simulation:
    @staticmethod
    def tables() -> list[str]: ...
    def arrow_stream(self, table: str) -> Any:
        """The Arrow C stream (PyCapsule ``arrow_array_stream``) of one table."""
    def report_json(self) -> str: ...
    def config_json(self) -> str: ...
    def handover_seconds(self) -> Tuple[float, float]:
        """(census and run, the wait for the last year's tables) in seconds."""
    def write_duckdb(self, path: _Path, overwrite: bool = False) -> None: ...

def simulate(
    config_path: Optional[_Path] = None,
    config_json: Optional[str] = None,
    census_path: Optional[_Path] = None,
    employees: int = 5000,
    seed: Optional[int] = None,
    start_year: Optional[int] = None,
    end_year: Optional[int] = None,
    engine_name: str = "native",
    threads: int = 0,
) -> Simulation: ...
def run_batch(
    batch_path: Optional[_Path] = None,
    db: Optional[_Path] = None,
    threads: int = 0,
    shard: Optional[Tuple[int, int]] = None,
    overwrite: bool = False,
    batch_json: Optional[str] = None,
    batch_text: Optional[str] = None,
) -> str: ...
class OutputLock:
    """The lock of the output at ``path`` (``PATH.lock``): one writer at a time."""

    def __init__(self, path: _Path) -> None: ...
    def release(self) -> None: ...
    def __enter__(self) -> "OutputLock": ...
    def __exit__(self, *args: Any) -> None: ...

MAX_EMPLOYEES: int

def compare_scenarios(db: _Path, base: str, alternative: str) -> str: ...
def merge_batches(parts: Sequence[_Path], db: _Path, overwrite: bool = False) -> str: ...
def read_table(db: _Path, name: str) -> Any: ...
def list_tables(db: _Path) -> list[str]: ...
def version() -> str: ...
def rust_in_memory_seconds(employees: int = 5000, arrow: bool = False) -> float:
    """The Rust call's census, run and free in seconds (``arrow``: with the Arrow tables)."""
def rust_in_memory_parts(employees: int = 5000, arrow: bool = False) -> Tuple[float, float]:
    """(census and run, free) of ``rust_in_memory_seconds``."""
