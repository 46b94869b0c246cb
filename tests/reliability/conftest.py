"""Make the shipped workflows importable as ``tasker_workflows`` (as the engine imports them)
before the test modules that use the demo's order mix and gateway are imported."""

from __future__ import annotations

from engine.shipped import install_package_alias

install_package_alias()
