"""UI glue: the intervention register — listing, form, save, end or delete, change log."""

from __future__ import annotations

from datetime import date

import streamlit as st

from lagesbild import formatting
from lagesbild.ui.signin import require_role, signed_in_name
from lagesbild.ui.state import connection, flash, labelled, labels, write_guard


def interventions_listing():
    from lagesbild import register

    return register.listing(connection())


def intervention_form(existing, key: str):
    """The register form (coordinators): returns an Intervention when submitted, else None."""
    from lagesbild import register

    names = labels()
    item = existing or register.Intervention(name="", kind="", start=date.today())
    with st.form(key):
        left, right = st.columns(2)
        name = left.text_input("Namn", item.name)
        kind = right.text_input("Typ (t.ex. Belysning, Trygghetsvärdar)", item.kind)
        start = left.date_input("Start", item.start, format="YYYY-MM-DD")
        end = right.date_input("Slut (tomt = tills vidare)", item.end, format="YYYY-MM-DD")
        offered = names["register_areas"] | {c: names["every_area"].get(c, c) for c in item.area_codes}
        areas = st.multiselect("Områden", list(offered), item.area_codes, format_func=labelled(offered),
                               select_all=False, placeholder="Välj områden",
                               help="Insatser registreras på grundindelningens områden; en vy med en annan "
                                    "indelning (t.ex. RegSO) visar insatsen i de områden som omfattar dem.")
        risks = st.multiselect("Riskfaktorer som insatsen riktar sig mot", list(names["risk_factors"]),
                               item.risk_factors, format_func=labelled(names["risk_factors"]), select_all=False, placeholder="Välj riskfaktorer")
        categories = st.multiselect("Kategorier som insatsen ska minska", list(names["categories"]),
                                    item.categories, format_func=labelled(names["categories"]),
                                    select_all=False, placeholder="Välj kategorier")
        when = st.columns(3)
        weekdays = when[0].multiselect("Veckodagar (tomt = alla)", list(range(1, 8)), item.weekdays,
                                       format_func=lambda d: formatting.WEEKDAYS[d - 1], select_all=False, placeholder="Alla dagar")
        hour_options = [None, *range(24)]
        hour_from = when[1].selectbox("Från kl. (tomt = hela dygnet)", hour_options,
                                      hour_options.index(item.hour_from),
                                      format_func=lambda h: "hela dygnet" if h is None else f"{h:02d}:00", placeholder="Välj")
        hour_to = when[2].selectbox("Till och med timmen", hour_options, hour_options.index(item.hour_to),
                                    format_func=lambda h: "hela dygnet" if h is None else f"{h:02d}:00–{h:02d}:59",
                                    help="Över midnatt (t.ex. 21 till 02) räknas natten till kvällen den började.", placeholder="Välj")
        responsible = st.multiselect("Ansvariga", list(register.ACTORS),
                                     [r for r in item.responsible if r in register.ACTORS], select_all=False, placeholder="Välj ansvariga")
        a, b, c, d = st.columns(4)
        status = a.selectbox("Status", list(register.STATUSES), list(register.STATUSES).index(item.status), placeholder="Välj")
        dose = b.number_input("Omfattning", min_value=0.0, value=item.dose_value, placeholder="t.ex. 24")
        unit = c.text_input("Enhet", item.dose_unit or "", placeholder="timmar per vecka")
        cost = d.number_input("Kostnad (kr)", min_value=0.0, value=item.cost_sek, step=1000.0)
        problem = st.text_area("Problemet som insatsen ska lösa", item.problem or "", height=70)
        if not st.form_submit_button("Spara", type="primary"):
            return None
    return register.Intervention(name=name, kind=kind, start=start, end=end or None, area_codes=areas,
                                 responsible=responsible, risk_factors=risks, categories=categories, status=status,
                                 dose_value=dose, dose_unit=unit or None, cost_sek=cost, problem=problem or None,
                                 geojson=item.geojson, weekdays=weekdays, hour_from=hour_from, hour_to=hour_to)


def save_intervention(number: int | None, item) -> bool:
    """Create or update; shows what happened. Returns True when saved."""
    from lagesbild import register

    require_role("coordinator")
    con = connection()
    errors = register.problems(con, item)
    if errors:
        for error in errors:
            st.error(formatting.plain(error))
        return False
    if number is None:
        with write_guard():
            number = register.create(con, item, signed_in_name())
        flash(f"Insatsen ”{item.name}” är sparad.")
    else:
        with write_guard():
            changed = register.update(con, number, item, signed_in_name())
        flash("Ändringarna är sparade." if changed else "Inget ändrades.")
    return True



def end_or_delete(number: int, name: str) -> None:
    """End or delete an intervention (coordinators), with a confirmation."""
    from lagesbild import register

    left, right = st.columns(2)
    with left:
        on = st.date_input("Avsluta per", date.today(), format="YYYY-MM-DD", key="insats_avsluta_datum")
        if st.button("Avsluta insatsen", key="insats_avsluta"):
            with write_guard():
                register.end(connection(), number, on, signed_in_name())
            flash(f"”{name}” är avslutad.")
            st.rerun()
    with right:
        sure = st.checkbox("Ja, ta bort insatsen helt", key="insats_ta_bort_bekrafta")
        if st.button("Ta bort", disabled=not sure, key="insats_ta_bort"):
            with write_guard():
                register.delete(connection(), number, signed_in_name())
            flash(f"”{name}” är borttagen. Ändringsloggen behåller vad den var.")
            st.rerun()



def change_log():
    from lagesbild import register

    return register.history(connection())
