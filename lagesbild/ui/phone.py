"""What a phone adds to the report form: its position, and a notice while the connection is down.

Both are small `st.components.v2` components (inline HTML and JavaScript, shipped with the app: nothing is
downloaded). The position comes from the browser's geolocation, which asks the user's permission and works only
over HTTPS or on the same machine; the notice watches the browser's online state and Streamlit's own connection
state, because while the connection is down Streamlit greys the form out and a sender deserves to know that nothing
has gone and nothing is lost.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

__all__ = ["connection_notice", "position_request"]

_POSITION_HTML = """
<div class="position">
  <button type="button"><svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path
    fill="currentColor" d="M12 2a7 7 0 0 0-7 7c0 5.25 7 13 7 13s7-7.75 7-13a7 7 0 0 0-7-7zm0 9.5A2.5 2.5 0 1 1 12
    6.5a2.5 2.5 0 0 1 0 5z"/></svg>Använd min position</button>
  <span class="status" aria-live="polite"></span>
</div>
"""

_POSITION_CSS = """
.position { display: flex; align-items: center; gap: 0.75rem; flex-wrap: wrap; font-family: var(--st-font); }
button {
  font: inherit; font-size: var(--st-base-font-size, 1rem); padding: 0.4rem 0.9rem; cursor: pointer;
  display: inline-flex; align-items: center; gap: 0.4rem;
  color: var(--st-text-color); background: var(--st-background-color);
  border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2)); border-radius: var(--st-base-radius, 0.5rem);
}
button:hover { border-color: var(--st-primary-color); color: var(--st-primary-color); }
button:disabled { opacity: 0.6; cursor: wait; }
.status { color: var(--st-text-color); opacity: 0.75; font-size: 0.9rem; }
"""

# The browser asks its own question ("allow this site to know your location?"); a refusal, a timeout or a phone
# without positioning comes back as a short code the Python side words in Swedish.
_POSITION_JS = """
export default function(component) {
  const { parentElement, setTriggerValue } = component;
  const button = parentElement.querySelector('button');
  const status = parentElement.querySelector('.status');
  button.onclick = () => {
    if (!navigator.geolocation) { setTriggerValue('fel', 'saknas'); return; }
    button.disabled = true;
    status.textContent = 'Hämtar din position …';
    navigator.geolocation.getCurrentPosition(
      (found) => {
        button.disabled = false;
        status.textContent = '';
        setTriggerValue('position', {lon: found.coords.longitude, lat: found.coords.latitude,
                                     noggrannhet: found.coords.accuracy});
      },
      (failed) => {
        button.disabled = false;
        status.textContent = '';
        setTriggerValue('fel', {1: 'nekad', 2: 'okand', 3: 'tid'}[failed.code] || 'okand');
      },
      {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
  };
}
"""

_POSITION_FAILED = {
    "nekad": "Telefonen lämnade inte ut sin position. Tillåt platsåtkomst för sidan, eller peka på kartan.",
    "tid": "Det tog för lång tid att få en position. Försök igen, eller peka på kartan.",
    "saknas": "Den här webbläsaren kan inte ge sin position. Peka på kartan i stället.",
    "okand": "Telefonen kunde inte avgöra sin position. Försök igen utomhus, eller peka på kartan.",
}

_NOTICE_HTML = """
<div class="notice" role="status" hidden>
  Ingen anslutning just nu. Inget har skickats ännu, och allt du fyllt i finns kvar här.
  Tryck på Skicka igen när du har täckning – rapporten sparas bara en gång.
</div>
"""

_NOTICE_CSS = """
.notice {
  font-family: var(--st-font); padding: 0.75rem 1rem; border-radius: var(--st-base-radius, 0.5rem);
  background: rgba(255, 189, 69, 0.2); color: var(--st-text-color); line-height: 1.4;
}
.notice[hidden] { display: none; }
"""

# Streamlit marks its connection on an element's data-test-connection-state (CONNECTED when all is well); the
# browser's own online flag covers a phone that knows it has no network before Streamlit notices.
_NOTICE_JS = """
export default function(component) {
  const notice = component.parentElement.querySelector('.notice');
  const update = () => {
    const marked = document.querySelector('[data-test-connection-state]');
    const state = marked ? marked.getAttribute('data-test-connection-state') : 'CONNECTED';
    notice.hidden = navigator.onLine && state === 'CONNECTED';
  };
  const observer = new MutationObserver(update);
  observer.observe(document.body, {subtree: true, attributes: true,
                                   attributeFilter: ['data-test-connection-state']});
  window.addEventListener('online', update);
  window.addEventListener('offline', update);
  update();
  return () => {
    observer.disconnect();
    window.removeEventListener('online', update);
    window.removeEventListener('offline', update);
  };
}
"""


@st.cache_resource
def _components() -> tuple[Any, Any]:
    """Registered once per process (a component registered again would only log a warning)."""
    position = st.components.v2.component("lagesbild_position", html=_POSITION_HTML, css=_POSITION_CSS,
                                          js=_POSITION_JS)
    notice = st.components.v2.component("lagesbild_anslutning", html=_NOTICE_HTML, css=_NOTICE_CSS, js=_NOTICE_JS)
    return position, notice


def position_request(key: str) -> tuple[dict[str, float] | None, str | None]:
    """The "use my position" button: (lon, lat, noggrannhet) once the phone answers, or a Swedish reason it did
    not; (None, None) on every other run."""
    position, _ = _components()
    result = position(key=key, on_position_change=lambda: None, on_fel_change=lambda: None)
    found = getattr(result, "position", None)
    if isinstance(found, dict):
        try:
            return {name: float(found[name]) for name in ("lon", "lat", "noggrannhet")}, None
        except (KeyError, TypeError, ValueError):
            return None, _POSITION_FAILED["okand"]
    failed = getattr(result, "fel", None)
    if failed:
        return None, _POSITION_FAILED.get(str(failed), _POSITION_FAILED["okand"])
    return None, None


def connection_notice() -> None:
    """A notice, shown by the browser itself while the connection is down, that nothing is sent and nothing lost."""
    _, notice = _components()
    notice(key="rapport_anslutning")
