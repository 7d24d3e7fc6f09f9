"""The codebook and the disclosure report written beside an export, as JSON and Markdown."""

from dataclasses import replace

from reports.export.anonymity import STAR, Plan
from reports.export.layout import ExportColumn, Layout, Text, Value

CODING = {
    "multi": "1 = chosen, 0 = not chosen; empty = question not answered",
    "ranking": "place given to the item, 1 = best; empty = not ranked",
    "consent": "1 = consent given",
    "text": "free text, scrubbed: e-mail addresses, URLs, phone numbers, @handles, IBAN-like "
            "numbers and account names replaced by [email], [url], [phone], [handle], [iban], "
            "[name]",
}
CODING["other_text"] = CODING["text"]
NEVER_EXPORTED = ["account (user id, e-mail, display name)", "IP address", "user agent",
                  "resume token", "submission key", "participation key", "response id",
                  "submission day (only its month)", "answer language"]


def _join(labels: list[Text], languages, separator: str) -> Text:
    return {language: separator.join(label.get(language, "") for label in labels)
            for language in languages}


def generalized_values(column: ExportColumn, plan: Plan, index: int,
                       languages) -> tuple[Value, ...]:
    """The values a generalized quasi-identifier column holds, with their labels."""
    hierarchy, level = plan.hierarchies[index], plan.levels[index]
    if level == hierarchy.top:
        return (Value(STAR, dict.fromkeys(languages, STAR), hierarchy.options),)
    labels = {value.code: value.label for value in column.values}
    result = []
    for members, code in zip(hierarchy.groups(level), hierarchy.group_codes(level),
                             strict=False):
        if len(members) == 1:
            result.append(Value(code, labels[code]))
        elif hierarchy.ordered:
            result.append(Value(code, _join([labels[members[0]], labels[members[-1]]],
                                             languages, " … "), members))
        else:
            result.append(Value(code, _join([labels[m] for m in members], languages, " / "),
                                members))
    return tuple(result)


def describe_generalization(values: tuple[Value, ...], plan: Plan, index: int,
                            language: str) -> str:
    """One line saying what happened to a quasi-identifier."""
    hierarchy, level = plan.hierarchies[index], plan.levels[index]
    if level == 0:
        return "kept as asked"
    if level == hierarchy.top:
        return f"not released: every value, not answered included, shown as {STAR}"
    if hierarchy.ordered:
        merged = ", ".join(v.label.get(language, v.code) for v in values)
        return f"neighbouring values merged into: {merged}"
    grouped = next(v for v in values if v.members)
    return f"rare values grouped as {grouped.code}: {grouped.label.get(language, '')}"


def apply_plan(layout: Layout, plan: Plan) -> Layout:
    """The layout with the released values of each quasi-identifier column."""
    for index, hierarchy in enumerate(plan.hierarchies):
        column = layout.column(hierarchy.question_id)
        values = generalized_values(column, plan, index, layout.languages)
        description = describe_generalization(values, plan, index, layout.languages[0])
        layout = layout.with_column(replace(column, values=values, generalization=description))
    return layout


def _value_document(value: Value) -> dict:
    document = {"code": value.code, "label": value.label}
    if value.members:
        document["members"] = list(value.members)
    return document


def column_document(column: ExportColumn) -> dict:
    """One column of the codebook."""
    document = {"name": column.name, "kind": column.kind, "type": column.data_type}
    if column.kind == "meta":
        document["description"] = column.description
        return document
    document.update(question_id=column.question_id, question_type=column.question_type,
                    question=column.question)
    if column.part is not None:
        document.update(part=column.part, part_label=column.part_label)
    if column.values:
        document["values"] = [_value_document(v) for v in column.values]
    if column.kind in CODING:
        document["coding"] = CODING[column.kind]
    if column.kind == "number":
        document.update(minimum=column.minimum, maximum=column.maximum)
        if column.unit:
            document["unit"] = column.unit
    document["versions"] = list(column.versions)
    if column.quasi_identifier:
        document["quasi_identifier"] = True
        document["generalization"] = column.generalization
    return document


def codebook_document(layout: Layout, *, slug: str, title: Text, fmt: str, data_file: str,
                      rows: int, exported_at: str) -> dict:
    """Every column of the export: question text, type, values and labels, versions."""
    return {"survey": slug, "title": title, "languages": list(layout.languages),
            "format": fmt, "data_file": data_file, "rows": rows, "exported_at": exported_at,
            "missing": "an empty value (null) means not answered or not asked",
            "columns": [column_document(c) for c in layout.columns]}


def codebook_table(codebook: dict) -> list[list]:
    """The codebook as rows of a sheet (the XLSX export's second sheet)."""
    languages = codebook["languages"]
    header = ["column", "type", "question_id", "part",
              *[f"question ({lang})" for lang in languages],
              *[f"part ({lang})" for lang in languages],
              "values", "coding", "versions", "quasi_identifier", "generalization"]
    rows = [header]
    first = languages[0]
    for column in codebook["columns"]:
        values = "; ".join(f"{v['code']} = {v['label'].get(first, '')}"
                           for v in column.get("values", []))
        rows.append([
            column["name"], column["type"], column.get("question_id", ""),
            column.get("part", ""),
            *[column.get("question", {}).get(lang, column.get("description", ""))
              for lang in languages],
            *[column.get("part_label", {}).get(lang, "") for lang in languages],
            values, column.get("coding", ""),
            ", ".join(str(v) for v in column.get("versions", [])),
            "yes" if column.get("quasi_identifier") else "",
            column.get("generalization", "")])
    return rows


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def codebook_markdown(codebook: dict) -> str:
    """The codebook for people: one section per column."""
    first = codebook["languages"][0]
    lines = [f"# Codebook: {codebook['title'].get(first, codebook['survey'])}", "",
             f"Survey `{codebook['survey']}`, exported {codebook['exported_at']} as "
             f"{codebook['format']} (`{codebook['data_file']}`), {codebook['rows']:,} rows. "
             f"{codebook['missing'].capitalize()}.", "",
             "| column | type | question | versions | quasi-identifier |",
             "|---|---|---|---|---|"]
    for column in codebook["columns"]:
        question = column.get("question", {}).get(first, column.get("description", ""))
        if column.get("part_label"):
            question += f" – {column['part_label'].get(first, '')}"
        lines.append(f"| `{column['name']}` | {column['type']} | {_cell(question)} | "
                     f"{', '.join(map(str, column.get('versions', [])))} | "
                     f"{'yes' if column.get('quasi_identifier') else ''} |")
    for column in codebook["columns"]:
        lines += ["", f"## `{column['name']}`", ""]
        for language, text in column.get("question", {}).items():
            part = column.get("part_label", {}).get(language)
            lines.append(f"- question ({language}): {text}" + (f" – {part}" if part else ""))
        if "description" in column:
            lines.append(f"- {column['description']}")
        lines.append(f"- type: {column['type']}")
        if column.get("coding"):
            lines.append(f"- coding: {column['coding']}")
        if "minimum" in column:
            lines.append(f"- range: {column['minimum']:g} to {column['maximum']:g}")
        if column.get("versions"):
            lines.append(f"- asked in version(s): {', '.join(map(str, column['versions']))}")
        if column.get("quasi_identifier"):
            lines.append(f"- quasi-identifier; {column['generalization']}")
        if column.get("values"):
            lines += ["", "| code | " + " | ".join(codebook["languages"]) + " |",
                      "|---|" + "---|" * len(codebook["languages"])]
            for value in column["values"]:
                labels = " | ".join(_cell(value["label"].get(lang, ""))
                                    for lang in codebook["languages"])
                lines.append(f"| `{value['code']}` | {labels} |")
    return "\n".join(lines) + "\n"


def disclosure_document(layout: Layout, plan: Plan, *, slug: str, fmt: str, data_file: str,
                        exported_at: str, since, include_demo: bool, text: str,
                        max_suppression: float, replaced: dict, chunk_rows: int) -> dict:
    """What protects the respondents in this export and what it cost."""
    quasi = []
    for index, hierarchy in enumerate(plan.hierarchies):
        column = layout.column(hierarchy.question_id)
        quasi.append({"question_id": hierarchy.question_id, "ordered": hierarchy.ordered,
                      "level": plan.levels[index], "top_level": hierarchy.top,
                      "generalized": plan.levels[index] > 0,
                      "description": column.generalization,
                      "released_values": [v.code for v in column.values]})
    return {
        "survey": slug, "exported_at": exported_at, "format": fmt, "data_file": data_file,
        "selection": {"since": since.isoformat() if since else None,
                      "include_demo": include_demo},
        "k": {"required": plan.k, "reached": plan.k_reached},
        "records": {"read": plan.records, "released": plan.released,
                    "suppressed": plan.suppressed},
        "quasi_identifiers": quasi,
        "information_loss_bits_per_record": plan.information_loss,
        "search": {
            "rule": "fewest records suppressed (up to max_suppression of them allowed to "
                    "generalize less), then least information lost, then lowest levels",
            "max_suppression": max_suppression, "lattice_size": plan.lattice_size,
            "combinations_evaluated": plan.nodes_searched},
        "free_text": {"policy": text, "dropped": list(layout.dropped_text),
                      "scrubbed": list(layout.scrubbed_text),
                      "replacements": dict(sorted(replaced.items()))},
        "identifiers": {"respondent_id": "random UUID (version 4) for each export; two "
                                         "exports share none",
                        "never_exported": NEVER_EXPORTED},
        "dates": "submission day coarsened to the month (YYYY-MM)",
        "row_order": f"random: blocks of {chunk_rows:,} responses in random order, and the "
                     "rows of each block shuffled",
    }


def disclosure_markdown(report: dict) -> str:
    """The disclosure report for people."""
    records, k = report["records"], report["k"]
    reached = "—" if k["reached"] is None else str(k["reached"])
    lines = [f"# Disclosure report: {report['survey']}", "",
             f"Exported {report['exported_at']} as {report['format']} "
             f"(`{report['data_file']}`).", "",
             f"- k required: {k['required']}; reached: {reached} (the smallest group of "
             "respondents sharing all quasi-identifier values)",
             f"- records read: {records['read']:,}; released: {records['released']:,}; "
             f"suppressed: {records['suppressed']:,}",
             f"- selection: since {report['selection']['since'] or 'the start'}, demo "
             f"responses {'included' if report['selection']['include_demo'] else 'left out'}",
             f"- dates: {report['dates']}",
             f"- respondent_id: {report['identifiers']['respondent_id']}",
             f"- never exported: {', '.join(report['identifiers']['never_exported'])}",
             f"- row order: {report['row_order']}", "",
             "## Quasi-identifiers", "",
             f"Chosen by: {report['search']['rule']} (max_suppression "
             f"{report['search']['max_suppression']:g}; {report['search']['lattice_size']:,} "
             f"level combinations, {report['search']['combinations_evaluated']:,} evaluated). "
             f"Information lost: {report['information_loss_bits_per_record']:.4f} bits per "
             "record.", "",
             "| question | level | what was done |", "|---|---|---|"]
    for qi in report["quasi_identifiers"]:
        lines.append(f"| `{qi['question_id']}` | {qi['level']} of {qi['top_level']} | "
                     f"{_cell(qi['description'])} |")
    if not report["quasi_identifiers"]:
        lines.append("| (none declared) | | all records form one group |")
    free = report["free_text"]
    lines += ["", "## Free text", "", f"Policy: {free['policy']}.", ""]
    lines.append("- dropped: " + (", ".join(f"`{c}`" for c in free["dropped"]) or "none"))
    lines.append("- scrubbed: " + (", ".join(f"`{c}`" for c in free["scrubbed"]) or "none"))
    if free["replacements"]:
        lines.append("- replaced: " + ", ".join(f"{kind} {count:,}"
                                                for kind, count in free["replacements"].items()))
    return "\n".join(lines) + "\n"
