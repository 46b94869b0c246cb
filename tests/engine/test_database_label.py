"""How the console's header names a database: never with a password, never a whole path."""

from __future__ import annotations

from engine.labels import database_label


def test_a_file_is_named_by_its_file_name(tmp_path):
    assert database_label(tmp_path / "shop" / "tasker.db") == "tasker.db"
    assert database_label(f"sqlite:///{tmp_path}/demo.db") == "demo.db"


def test_a_postgresql_url_is_shown_without_its_password_or_options():
    url = "postgresql://ops:s3cret@db.internal:5433/tasker?options=-csearch_path%3Dteam_a"
    label = database_label(url)
    assert label == "postgresql://ops@db.internal:5433/tasker"
    assert "s3cret" not in label
