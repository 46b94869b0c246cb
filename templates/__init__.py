"""The shipped workflow library: YAML task templates and the handler modules they name.

The engine imports this folder as the package ``tasker_workflows`` (so
``templates/ecommerce/handlers.py`` is ``tasker_workflows.ecommerce.handlers``); modules here
therefore import each other only relatively.

Each namespace folder holds its templates (``<name>.yaml``), typed models (``models.py``),
pure business rules (``services.py`` and friends) and thin Tasker handlers (``handlers.py``).
"""

from __future__ import annotations
