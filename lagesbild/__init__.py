"""Lägesbild: the local situation picture for municipal crime prevention (Kommuner mot brott, lag 2023:196).

The package is the core: storage (DuckDB), the synthetic demo, queries, statistics, figures and the CLI.
Only `lagesbild.ui` imports Streamlit.
"""

__version__ = "0.1.0"
