"""The one package of the core that imports Streamlit: UI glue, split by concern.

Everything here is glue. The work happens in plain modules (`queries`, `overview`, …) that take a
connection and a `Filters` object; these modules supply both and cache results keyed by the filters and
the data version, so that an import invalidates stale results. Pages use `ui.<name>` for all of it.
"""

from lagesbild.ui.area_names import *  # noqa: F403
from lagesbild.ui.background_upload import *  # noqa: F403
from lagesbild.ui.concentration_view import *  # noqa: F403
from lagesbild.ui.emerging_view import *  # noqa: F403
from lagesbild.ui.est_view import *  # noqa: F403
from lagesbild.ui.interventions import *  # noqa: F403
from lagesbild.ui.loaders import *  # noqa: F403
from lagesbild.ui.mapview import *  # noqa: F403
from lagesbild.ui.observation_form import *  # noqa: F403
from lagesbild.ui.published_view import *  # noqa: F403
from lagesbild.ui.reference_view import *  # noqa: F403
from lagesbild.ui.report_view import *  # noqa: F403
from lagesbild.ui.safety_view import *  # noqa: F403
from lagesbild.ui.setup_view import *  # noqa: F403
from lagesbild.ui.sidebar import *  # noqa: F403
from lagesbild.ui.signin import *  # noqa: F403
from lagesbild.ui.state import *  # noqa: F403
from lagesbild.ui.style import *  # noqa: F403
from lagesbild.ui.tables import *  # noqa: F403
from lagesbild.ui.upload import *  # noqa: F403
