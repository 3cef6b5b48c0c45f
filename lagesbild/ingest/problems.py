"""Problems found in an uploaded file, each with file, row, column, value and a reason in Swedish and English.

A `Problem` names a reason by code; the texts live in one table so the UI speaks Swedish and the CLI and logs
speak English from the same finding. `FileRefusedError` carries a problem that stops the whole file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

REASONS: dict[str, tuple[str, str]] = {
    # whole-file problems
    "empty_file": ("Filen är tom.", "The file is empty."),
    "not_text": ("Filen är inte en textfil i UTF-8 eller Windows-1252 (den kan vara binär eller skadad).",
                 "The file is not text in UTF-8 or Windows-1252 (it may be binary or damaged)."),
    "unknown_format": ("Filformatet känns inte igen: {detail}.", "The file format is not recognised: {detail}."),
    "damaged": ("Filen är skadad eller avkortad: {detail}.", "The file is damaged or truncated: {detail}."),
    "no_header": ("Filen saknar en rubrikrad.", "The file has no header row."),
    "unknown_kind": ("Kunde inte avgöra vad filen innehåller: {detail}.",
                     "Could not tell what the file holds: {detail}."),
    "missing_column": ("Kolumn för {detail} saknas.", "No column for {detail}."),
    "personal_id": ("Kolumnen innehåller personnummer. Filen tas inte emot; ta bort kolumnen och försök igen.",
                    "The column holds Swedish personal identity numbers. The file is refused; remove the column."),
    "personal_name": ("Kolumnen verkar innehålla personnamn. Filen tas inte emot; ta bort kolumnen och försök igen.",
                      "The column appears to hold personal names. The file is refused; remove the column."),
    "personal_email": ("Kolumnen innehåller e-postadresser. Filen tas inte emot; ta bort dem och försök igen.",
                       "The column holds e-mail addresses. The file is refused; remove them."),
    "personal_id_in_file_name": ("Filnamnet innehåller ett personnummer. Byt namn på filen och försök igen.",
                                 "The file name holds a Swedish personal identity number. Rename the file."),
    "personal_name_in_file_name": ("Filnamnet verkar innehålla ett personnamn. Byt namn på filen och försök igen.",
                                   "The file name appears to hold a person's name. Rename the file."),
    "no_municipality": ("Ingen kommun är vald ännu. Välj kommun under Kom igång (steg 1) och försök igen.",
                        "The database names no municipality; choose it in the app (Kom igång) or make the database"
                        " with `.venv/bin/python -m lagesbild init --kommun KOD`."),
    "no_year": ("Filen anger inte vilket år befolkningen gäller (kolumnen {detail} har inget årtal). Ange året "
                "(fältet År på uppladdningssidan, eller --year) och försök igen.",
                "The file does not say which year the population is for (column {detail} has no year). Give the "
                "year (the upload page's year field, or --year) and try again."),
    "no_source": ("Ange vilken källa filen kommer från.", "Say which source the file comes from (--source)."),
    "unknown_source": ("Okänd källa: {detail}.", "Unknown source: {detail}."),
    "no_rows": ("Filen innehåller inga datarader.", "The file holds no data rows."),
    "rejected_rows": ("{detail} rader har fel och filen avvisades i sin helhet.",
                      "{detail} rows have errors and the whole file was refused."),
    "no_areas_here": ("Inga områden i filen ligger i {detail}.", "No area in the file lies in {detail}."),
    "crs_unknown": ("Koordinatsystemet framgår inte av filen och kunde inte avgöras: {detail}.",
                    "The file's coordinate system is not stated and could not be detected: {detail}."),
    "area_clash": ("Områdeskoderna finns redan i indelningen {detail}; välj ett annat namn på indelningen.",
                   "The area codes already exist in the division {detail}; choose another division name."),
    "cannot_undo": ("Importen kan inte ångras: {detail}.", "The import cannot be undone: {detail}."),
    "unsupported_table": ("Tabellen är {detail} och kan inte läsas in.", "The table is {detail} and cannot be imported."),
    "cell_too_long": ("En cell har fler än {detail} tecken (Excels egen gräns); filen kan vara skadad.",
                      "A cell holds more than {detail} characters (Excel's own limit); the file may be damaged."),
    "too_deep": ("Filen är nästlad i för många nivåer för att läsas.",
                 "The file is nested too deeply to be read."),
    "archive_too_deep": ("Zip-filen innehåller zip-filer i fler än {detail} nivåer.",
                         "The zip file holds zip files nested more than {detail} levels deep."),
    "archive_too_large": ("Arkivet är för stort: {detail}.", "The archive is too large: {detail}."),
    "duplicate_header": ("Rubriken finns två gånger; ge kolumnerna olika namn.",
                         "The header appears twice; give the columns different names."),
    "unbalanced_quote": ("Ett citattecken stängs aldrig, så {detail} följande rader hamnade i en enda cell; "
                         "rätta citattecknet i filen.",
                         "A quote is never closed, so {detail} following lines ran into one cell; fix the quote."),
    "area_far_away": ("Området ligger {detail} från kommunens övriga områden; kontrollera att filen gäller "
                      "rätt kommun och koordinatsystem.",
                      "The area lies {detail} from the municipality's other areas; check the file's municipality "
                      "and coordinate system."),
    "area_code_elsewhere": ("Områdeskoden börjar med {detail}, en annan kommuns kod.",
                            "The area code starts with {detail}, another municipality's code."),
    "unknown_municipality": ("Kommunnamnet känns inte igen som någon av Sveriges 290 kommuner; inget sparades.",
                             "The municipality is not one of Sweden's 290 municipalities; nothing was stored."),
    "unknown_municipalities": ("Kommunnamnet känns inte igen som någon av Sveriges 290 kommuner, och inte heller "
                               "{detail} namn till; inget sparades.",
                               "The municipality is not one of Sweden's 290 municipalities, nor are {detail} more; "
                               "nothing was stored."),
    "missing_year": ("Filen säger inte vilket år siffrorna gäller. Skriv året i filnamnet (t.ex. "
                     "anmalda_brott_2021.csv) eller ange året vid importen (--year).",
                     "The file does not say which year its figures are for. Put the year in the file name "
                     "(e.g. anmalda_brott_2021.csv) or give it with --year."),
    "missing_period": ("Året (perioden) saknas.", "The year (period) is missing."),
    "several_years": ("Filen har siffror för flera år ({detail}); dela upp den med ett år per fil.",
                      "The file holds figures for several years ({detail}); split it into one file per year."),
    "missing_sol_header": ("Sidhuvudet med år och enhet (”;2021;”, ”;/100 000 inv;”) saknas i BRÅ-exporten.",
                           "The BRÅ export lacks its page header with year and unit (';2021;', ';/100 000 inv;')."),
    "value_before_municipality": ("Raden har ett värde men ingen kommun före sig.",
                                  "The row holds a value but no municipality comes before it."),
    "reference_conflict": ("Samma kommuner och år finns redan med andra värden, i {detail} värden; ångra den "
                           "importen först om de nya ska gälla.",
                           "The same municipalities and years are already stored with other values, in {detail} "
                           "values; undo that import first if the new ones should hold."),
    "no_reference_values": ("Filen innehåller inga värden att jämföra med (bara saknade värden, ”..”).",
                            "The file holds no values to compare with (only missing values, '..')."),
    "survey_conflict": ("Samma indikator, område och år finns redan med ett annat värde eller antal svarande, i "
                        "{detail}; ångra den importen först om de nya ska gälla.",
                        "The same indicator, area and year are already stored with another value or number of "
                        "respondents, in {detail}; undo that import first if the new ones should hold."),
    "unexpected": ("Filen kunde inte läsas in ({detail}); inget sparades. Felet har loggats.",
                   "The file could not be imported ({detail}); nothing was stored. The error was logged."),
    # row problems
    "long_row": ("Raden har {detail} fält men rubriken färre; ett avgränsningstecken kan saknas i ett citat.",
                 "The row has {detail} fields but the header fewer; a delimiter may lack quotes."),
    "date_too_early": ("Datumet ligger före {detail}; troligen ett platshållardatum.",
                       "The date lies before {detail}; probably a placeholder date."),
    "wrong_type": ("Fältet har fel typ: {detail}.", "The field has the wrong type: {detail}."),
    "implausible_population": ("Befolkningen {detail} är orimligt stor för ett område.",
                               "The population {detail} is implausibly large for an area."),
    "short_row": ("Raden har {detail} fält men rubriken har fler; filen kan vara avkortad.",
                  "The row has {detail} fields but the header has more; the file may be truncated."),
    "bad_date": ("Datumet går inte att tolka.", "The date cannot be read."),
    "bad_time": ("Klockslaget går inte att tolka.", "The time cannot be read."),
    "future_date": ("Datumet ligger i framtiden.", "The date lies in the future."),
    "missing_value": ("Värde saknas.", "The value is missing."),
    "unknown_category": ("Okänd kategori; koppla den till en befintlig kategori eller lägg till den.",
                         "Unknown category; map it onto an existing one or add it."),
    "unknown_risk_factor": ("Okänd riskfaktor; koppla den till en befintlig riskfaktor.",
                            "Unknown risk factor; map it onto an existing one."),
    "bad_number": ("Talet går inte att tolka.", "The number cannot be read."),
    "bad_weekdays": ("Veckodagarna går inte att tolka (skriv t.ex. ”fre, lör” eller ”5, 6”).",
                     "The weekdays cannot be read (write e.g. 'fre, lör' or '5, 6')."),
    "bad_hours": ("Klockslagen går inte att tolka (skriv t.ex. ”21–03”).",
                  "The hours cannot be read (write e.g. '21–03')."),
    "coordinates_outside_sweden": ("Koordinaterna ligger inte i Sverige (varken WGS84, SWEREF 99 TM eller RT 90).",
                                   "The coordinates are not in Sweden (neither WGS84, SWEREF 99 TM nor RT 90)."),
    "outside_municipality": ("Platsen ligger utanför {detail}.", "The place lies outside {detail}."),
    "unknown_area": ("Okänt område.", "Unknown area."),
    "bad_deso_code": ("Ingen DeSO-kod (fyra siffror, A/B/C och fyra siffror, t.ex. 2081C1140).",
                      "Not a DeSO code (four digits, A/B/C and four digits, e.g. 2081C1140)."),
    "deso_twice": ("DeSO-området finns redan på rad {detail} i en annan grupp.",
                   "The DeSO area is already on row {detail} in another group."),
    "no_place": ("Raden saknar både koordinater och område.", "The row has neither coordinates nor an area."),
    "invalid_intervention": ("Insatsen kan inte sparas: {detail}", "The intervention cannot be saved: {detail}"),
    "duplicate_municipality": ("Kommunen finns redan på rad {detail} med ett annat värde; det första värdet används.",
                               "The municipality already appears on row {detail} with another value; the first "
                               "is used."),
    "unknown_survey_area": ("Enkätområdet motsvarar inget av områdena i {detail} (varken kod, namn eller ortnamn); "
                            "byt till ett av områdena, skriv ”Hela kommunen” eller lägg till namnet som ortnamn "
                            "för rätt område. Inget sparades.",
                            "The survey area matches none of the areas of {detail} (neither code, name nor place name); "
                            "use one of the areas, write 'Hela kommunen' or add the name as a place name of the "
                            "right area. Nothing was stored."),
    "bad_survey_year": ("Året måste vara ett årtal mellan 1950 och {detail}.",
                        "The year must be a year between 1950 and {detail}."),
    "bad_survey_unit": ("Enheten måste vara ”andel” (procent) eller ”index”.",
                        "The unit must be 'andel' (per cent) or 'index'."),
    "bad_share": ("En andel anges i procent och måste ligga mellan 0 och 100.",
                  "A share is given in per cent and must lie between 0 and 100."),
    "shares_as_fractions": ("Alla andelar i filen är 1 eller lägre: de ser ut att vara skrivna som bråk (0,25) "
                            "och inte i procent (25). Skriv dem i procent och försök igen.",
                            "Every share in the file is 1 or less: they look like fractions (0.25), not per cent "
                            "(25). Write them in per cent and try again."),
    "bad_respondents": ("Antalet svarande måste vara ett heltal som inte är negativt.",
                        "The number of respondents must be a non-negative whole number."),
    "survey_twice": ("Samma indikator, område och år finns redan på rad {detail} med ett annat värde.",
                     "The same indicator, area and year already appear on row {detail} with another value."),
    "survey_split": ("Samma indikator, område och år finns redan på rad {detail}; raderna skiljer sig i den här "
                     "kolumnen, som appen inte läser. Filen delar upp svaren i grupper: ta med en rad per indikator, "
                     "område och år för alla svarande (utan uppdelning) och försök igen.",
                     "The same indicator, area and year already appear on row {detail}; the rows differ in "
                     "this column, which the app does not read. The file splits the answers into groups: keep one "
                     "row per indicator, area and year for all respondents (no split) and try again."),
    "bad_population": ("Befolkningen måste vara ett heltal som inte är negativt.",
                       "The population must be a non-negative whole number."),
}


@dataclass(frozen=True)
class Problem:
    """One finding: where (row and column as the coordinator sees them), what value, and why."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    code: str
    detail: str = ""

    def reason(self, language: str = "sv") -> str:
        """The reason in Swedish ('sv') or English ('en')."""
        swedish, english = REASONS[self.code]
        return (swedish if language == "sv" else english).format(detail=self.detail)

    def message(self, language: str = "sv") -> str:
        """One line naming file, row, column and value, then the reason."""
        parts = [self.file]
        if self.row is not None:
            parts.append(("rad " if language == "sv" else "row ") + str(self.row))
        if self.column:
            parts.append(("kolumn " if language == "sv" else "column ") + repr(self.column))
        if self.value not in (None, ""):
            parts.append(("värde " if language == "sv" else "value ") + repr(_short(self.value)))
        return ", ".join(parts) + ": " + self.reason(language)


def _short(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


@dataclass
class FileRefusedError(Exception):
    """The whole file is refused; nothing of it is stored."""

    problem: Problem
    related: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return self.problem.message("en")
