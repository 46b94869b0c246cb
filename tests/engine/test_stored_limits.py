"""What the engine keeps of JSON and of errors: the limits, exactly at and just past them."""

from __future__ import annotations

import json

import pytest

from engine.error_limits import MAX_ERROR_MESSAGE_BYTES, capped_metadata, truncated
from engine.json_limits import MAX_NESTING, NotStorable, stored_text
from engine.outcomes import ErrorType, StepError


def nested(levels: int) -> dict[str, object]:
    """An object ``levels`` levels deep: itself, then lists inside it."""
    value: object = []
    for _ in range(levels - 2):
        value = [value]
    return {"a": value}


def test_json_is_kept_up_to_the_nesting_limit_and_refused_past_it() -> None:
    assert json.loads(stored_text(nested(MAX_NESTING), "the results", 10**6))
    with pytest.raises(NotStorable, match=f"more than {MAX_NESTING} levels"):
        stored_text(nested(MAX_NESTING + 1), "the results", 10**6)


@pytest.mark.parametrize(
    ("number", "says"),
    [
        (2**64, "an integer of 20 digits"),
        (-(2**63) - 1, "an integer of 19 digits"),
        (7 * 10**5000, "an integer of over 4300 digits"),
    ],
    ids=["2**64", "-2**63-1", "5001 digits"],
)
def test_integers_outside_64_bits_are_refused(number: int, says: str) -> None:
    with pytest.raises(NotStorable, match=f"the results holds {says}, outside the 64-bit"):
        stored_text({"n": [number]}, "the results", 10**6)


def test_the_64_bit_edges_and_long_digit_text_are_kept() -> None:
    value = {"low": -(2**63), "high": 2**64 - 1, "text": "1" * 40, "deep": "[" * 200}
    assert json.loads(stored_text(value, "the results", 10**6)) == value


def test_truncated_text_fits_its_limit_and_says_how_much_was_cut() -> None:
    assert truncated("short", 10) == "short"
    text = "é" * 1000  # two bytes each: the cut must not split one
    cut = truncated(text, 101)
    assert len(cut.encode()) <= 101 and cut.startswith("é" * 10)
    kept = len(cut.split("…")[0].encode())
    assert cut.endswith(f"… truncated {2000 - kept} bytes")
    both = truncated("START" + "x" * 10_000 + "END", 100, keep_end=True)
    assert both.startswith("START") and both.endswith("END") and "… truncated" in both
    assert truncated(cut, 101) == cut  # capping again changes nothing
    assert truncated("a\ud800b", 100) == "a\\ud800b"  # a lone surrogate, kept visibly


def test_a_step_error_is_capped_when_it_is_built() -> None:
    error = StepError(ErrorType.HANDLER_ERROR, "m" * 10**6, True, metadata={"r": float("inf")})
    assert len(error.message.encode()) <= MAX_ERROR_MESSAGE_BYTES
    assert error.metadata == {"r": "Infinity"}
    small = {"attempt": 2, "why": "gateway"}
    assert StepError(ErrorType.HANDLER_ERROR, "m", True, metadata=small).metadata is small


def test_metadata_json_cannot_hold_becomes_text() -> None:
    class Opaque:
        def __str__(self) -> str:
            return "opaque thing"

    metadata = {1: {"nan": float("nan")}, "obj": Opaque(), "deep": nested(60), "set": {1}}
    kept = capped_metadata(metadata)
    assert kept["1"] == {"nan": "NaN"} and kept["obj"] == "opaque thing"
    assert kept["set"] == "{1}" and "nested too deeply" in json.dumps(kept["deep"])
    json.loads(json.dumps(kept, allow_nan=False))
