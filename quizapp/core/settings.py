"""App-wide settings a learner changes on the Settings screen; they persist in the store."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

THEMES = ("light", "dark")


@dataclass(frozen=True)
class Settings:
    theme: str = "light"
    font_scale: float = 1.0
    region: str = "us"  # emergency numbers shown on "Get help now"
    rollover_hour: int = 4  # local time; when "today" begins
    quiz_counts_as_review: bool = False  # quiz answers on due or new cards update their schedule
    # Defaults for every deck's study options (a deck may override them).
    desired_retention: float = 0.9
    new_per_day: int = 20
    reviews_per_day: int = 200

    def __post_init__(self) -> None:
        if self.theme not in THEMES:
            raise ValueError(f"theme must be one of {', '.join(THEMES)}")
        if not 0.75 <= self.font_scale <= 2.0:
            raise ValueError("font scale must be between 0.75 and 2.0")
        if not 0 <= self.rollover_hour <= 23:
            raise ValueError("the day must start at an hour from 0 to 23")
        if not 0.7 <= self.desired_retention <= 0.99:
            raise ValueError("desired retention must be between 0.70 and 0.99")
        if not 0 <= self.new_per_day <= 9999 or not 0 <= self.reviews_per_day <= 99999:
            raise ValueError("daily limits must be between 0 and 9999 new, 99999 reviews")

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        """Unknown keys (from a newer app) are ignored; invalid values fall back to defaults."""
        known = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in data.items() if k in known})
        except (TypeError, ValueError):
            return cls()
