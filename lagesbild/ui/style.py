"""The app's own look, injected once per run by `app.py`: print layout (A4 portrait, no sidebar or buttons, tables
in full), narrow-screen fixes (labels wrap instead of ending in "…"), and Swedish for the few words Streamlit
writes itself (the file uploader's "Upload" and "50MB per file", aria labels).

Streamlit has no setting for its own words, so a small script (our constant text, no user input) replaces them
where they appear, and again whenever Streamlit draws them anew.
"""

from __future__ import annotations

import json

import streamlit as st

__all__ = ["PRINT_ONLY", "SCREEN_ONLY", "STREAMLIT_WORDS", "inject_style"]

PRINT_ONLY = "utskrift"   # container keys starting with this are shown only on paper
SCREEN_ONLY = "skarm"     # and these only on screen

# Streamlit's own English words, as whole texts or attribute values, and their Swedish.
STREAMLIT_WORDS = {
    "Upload": "Välj fil",
    "file upload": "Välj fil att ladda upp",
    "Skip to main content": "Hoppa till innehållet",
    "Select all": "Välj alla",
    "No results": "Inga träffar",
    "No options to select": "Inget att välja",
    "Clear all": "Rensa alla",
    "Clear value": "Rensa",
    "Clear selection": "Rensa valet",   # a map with selection (the report form's)
    "Choose an option": "Välj",        # a multiselect's input while its list is open
    "Remove file": "Ta bort filen",
    "Delete": "Ta bort",
    # the table toolbar and column menu
    "Download as CSV": "Ladda ner som CSV",
    "Show/hide columns": "Visa eller dölj kolumner",
    "Open": "Öppna",
    "Close": "Stäng",
    "Search": "Sök",
    "Fullscreen": "Helskärm",
    "Close fullscreen": "Stäng helskärm",
    "Sort ascending": "Sortera stigande",
    "Sort descending": "Sortera fallande",
    "Autosize": "Anpassa bredden",
    "Pin column": "Lås kolumnen",
    "Unpin column": "Lås upp kolumnen",
    "Hide column": "Dölj kolumnen",
    "Statistics": "Statistik",
    # plotly's chart toolbar (shown as tooltips from data-title)
    "Download plot as a png": "Spara diagrammet som bild",
    "Download plot as a PNG": "Spara diagrammet som bild",
    "Zoom": "Zooma",
    "Pan": "Panorera",
    "Box Select": "Markera med ruta",
    "Lasso Select": "Markera fritt",
    "Zoom in": "Zooma in",
    "Zoom out": "Zooma ut",
    "Autoscale": "Anpassa skalan",
    "Reset axes": "Återställ axlarna",
    "Reset view": "Återställ vyn",
}

CSS = f"""
<style>
/* Labels, metric deltas and buttons wrap instead of ending in "…" on narrow screens. */
[data-testid="stMetricDelta"] div, [data-testid="stMetricLabel"] div, [data-testid="stMetricLabel"] p,
[data-testid="stMetricValue"] div, [data-testid="stWidgetLabel"] p,
button [data-testid="stMarkdownContainer"] p {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}}
[data-testid="stMetricDelta"] {{ height: auto !important; max-width: 100% !important; }}
[data-testid="stMetricDelta"] *, [data-testid="stMetric"] .stMarkdownEllipsis,
[data-testid="stMetric"] .stMarkdownEllipsis * {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}}
[class*="st-key-{PRINT_ONLY}"] {{ display: none !important; }}
@media (max-width: 640px) {{
  [data-testid="stMainBlockContainer"] {{ padding-left: 0.75rem; padding-right: 0.75rem; }}
  [data-testid="stDeckGlJsonChart"], [data-testid="stDeckGlJsonChart"] > div {{ max-height: 60vh; }}
}}
@media print {{
  @page {{ size: A4 portrait; margin: 12mm; }}
  html, body {{ width: auto !important; height: auto !important; overflow: visible !important; }}
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
  header, [data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
  [data-testid="stStatusWidget"], [data-testid="stElementToolbar"], [data-testid="stBottom"],
  .stButton, .stDownloadButton, [data-testid="stPopover"], [data-testid="stFileUploader"],
  [data-testid="stBaseButton-secondary"], [data-testid="stBaseButton-primary"],
  [class*="st-key-{SCREEN_ONLY}"], [data-testid="stSkipLink"] {{ display: none !important; }}
  [class*="st-key-{PRINT_ONLY}"] {{ display: block !important; }}
  [data-testid="stApp"], [data-testid="stAppViewContainer"], [data-testid="stMain"],
  [data-testid="stMainBlockContainer"], section.main, .block-container {{
    position: static !important; overflow: visible !important; height: auto !important;
    max-width: 100% !important; width: 100% !important; margin: 0 !important; padding: 0 !important;
  }}
  [data-testid="stHorizontalBlock"] {{ flex-wrap: wrap !important; }}
  [data-testid="stColumn"] {{ width: 100% !important; flex: 1 1 100% !important; min-width: 100% !important; }}
  [data-testid="stTable"], [data-testid="stTable"] table, .stPlotlyChart, [data-testid="stDeckGlJsonChart"] {{
    width: 100% !important; max-width: 100% !important;
  }}
  [data-testid="stTable"] table {{ table-layout: auto; font-size: 9pt; }}
  [data-testid="stTable"] td, [data-testid="stTable"] th {{ white-space: normal !important; word-break: break-word; }}
  tr, .stPlotlyChart, [data-testid="stMetric"] {{ break-inside: avoid; page-break-inside: avoid; }}
  thead {{ display: table-header-group; }}
  h1, h2, h3, h4 {{ break-after: avoid; page-break-after: avoid; }}
}}
</style>
"""

SCRIPT = """
<script>
(() => {
  const doc = window.parent && window.parent.document ? window.parent.document : document;
  const win = doc.defaultView || window;
  if (win.__lagesbildWords) return;
  const words = WORDS;
  win.__lagesbildWords = words;
  const perFile = /^(\\d+)\\s*MB per file(.*)$/;
  const fix = (root) => {
    const walker = doc.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.nodeValue.trim();
      if (words[text] && !node.parentElement.closest('[data-testid=stIconMaterial]')) {
        node.nodeValue = node.nodeValue.replace(text, words[text]);
      } else if (perFile.test(text)) {
        node.nodeValue = text.replace(perFile, 'Högst $1 MB per fil$2');
      }
    }
    const named = '[aria-label],[title],[placeholder],[data-title]';
    for (const el of root.querySelectorAll ? root.querySelectorAll(named) : []) {
      for (const name of ['aria-label', 'title', 'placeholder', 'data-title']) {
        const value = el.getAttribute(name);
        if (value && words[value]) el.setAttribute(name, words[value]);
        else if (value && value.startsWith('Help for ')) el.setAttribute(name, 'Hjälp om ' + value.slice(9));
      }
    }
  };
  let pending = false;
  new win.MutationObserver(() => {
    if (pending) return;
    pending = true;
    win.requestAnimationFrame(() => { pending = false; fix(doc.body); });
  }).observe(doc.body, {childList: true, subtree: true, characterData: true, attributes: true,
                       attributeFilter: ['aria-label', 'title', 'placeholder', 'data-title']});
  fix(doc.body);
})();
</script>
"""


def inject_style() -> None:
    """The app's CSS and its Swedish-words script, once per run."""
    st.html(CSS)
    st.html(SCRIPT.replace("WORDS", json.dumps(STREAMLIT_WORDS, ensure_ascii=False)),
            unsafe_allow_javascript=True)
