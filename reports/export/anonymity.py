"""k-anonymity over a survey's quasi-identifiers: generalization hierarchies and the search.

Pure functions over counts; no Flask, no database.

Every quasi-identifier is a single-choice question. Its *hierarchy* is a list of ever
coarser partitions of its options, derived from the definition and the data alone:

* options whose labels all carry a number (age bands, company sizes, incomes) are taken
  as ordered in the order the definition lists them; each level merges the two
  neighbouring groups with the fewest respondents together (an "other" choice stays apart);
* other options are unordered; each level adds the next rarest option to one group of
  rare options, shown as ``(grouped)``;
* the top level shows nothing: every value, "not answered" included, becomes ``*``.

Below the top, "not answered" stays a value of its own (NA). A record is one response; an
equivalence class is the set of records sharing the generalized values of every
quasi-identifier. The search goes through the lattice of level combinations and takes
the one that suppresses the fewest records (at most ``max_suppression`` of them may be
suppressed if that saves generalization), then loses the least information (the entropy,
in bits per record, of the original values within their groups), then the lowest levels.
Records in classes smaller than `k` are suppressed, so that every released combination
occurs at least `k` times.
"""

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

STAR = "*"
GROUPED = "(grouped)"
RANGE = ".."
LATTICE_LIMIT = 20_000  # level combinations searched at most
_MAX_KEY = 2**62


@dataclass(frozen=True)
class Hierarchy:
    """The generalization levels of one quasi-identifier.

    `partitions[level][i]` is the group of option i at that level; the level after the
    last partition (`top`) maps everything, "not answered" included, to ``*``.
    """

    question_id: str
    options: tuple[str, ...]
    ordered: bool
    partitions: tuple[tuple[int, ...], ...]

    @property
    def top(self) -> int:
        return len(self.partitions)

    @property
    def levels(self) -> int:
        return len(self.partitions) + 1

    def mapping(self, level: int) -> np.ndarray:
        """Group number of every option code; the last code (not answered) included."""
        if level == self.top:
            return np.zeros(len(self.options) + 1, dtype=np.int64)
        groups = np.asarray(self.partitions[level], dtype=np.int64)
        return np.append(groups, groups.max(initial=-1) + 1)

    def groups(self, level: int) -> list[tuple[str, ...]]:
        """The options of each group at a level (below the top), in group order."""
        if level == self.top:
            return [self.options]
        members: dict[int, list[str]] = {}
        for option, group in zip(self.options, self.partitions[level], strict=True):
            members.setdefault(group, []).append(option)
        return [tuple(members[g]) for g in sorted(members)]

    def group_codes(self, level: int) -> list[str | None]:
        """The released value of each group number of `mapping(level)`; None = not answered."""
        if level == self.top:
            return [STAR]
        return [group_code(members, self.ordered) for members in self.groups(level)] + [None]

    def information_loss(self, level: int, counts: np.ndarray) -> float:
        """Bits per record lost at `level`: the entropy of the original value within its group.

        `counts` holds the records of every option code, "not answered" last."""
        total = counts.sum()
        if not total:
            return 0.0
        groups = self.mapping(level)
        loss = 0.0
        for group in np.unique(groups):
            inside = counts[groups == group]
            inside = inside[inside > 0]
            size = inside.sum()
            if size:
                loss += float((inside * np.log2(size / inside)).sum())
        return loss / total


def group_code(members: Sequence[str], ordered: bool) -> str:
    """The value a group of options is released as."""
    if len(members) == 1:
        return members[0]
    return f"{members[0]}{RANGE}{members[-1]}" if ordered else GROUPED


def ordered_hierarchy(question_id: str, options: Sequence[str], counts: np.ndarray,
                      apart: Sequence[str] = ()) -> Hierarchy:
    """Neighbours merged one pair per level, the pair with the fewest records first;
    options in `apart` (an "other" choice) stay groups of their own."""
    scale = [i for i, option in enumerate(options) if option not in apart]
    groups = [[i] for i in scale]
    partitions = [_partition(len(options), groups, scale)]
    while len(groups) > 1:
        sizes = [int(counts[g].sum()) for g in groups]
        pair = min(range(len(groups) - 1), key=lambda i: (sizes[i] + sizes[i + 1], i))
        groups[pair:pair + 2] = [groups[pair] + groups[pair + 1]]
        partitions.append(_partition(len(options), groups, scale))
    return Hierarchy(question_id, tuple(options), True, tuple(partitions))


def _partition(size: int, groups: list[list[int]], scale: list[int]) -> tuple[int, ...]:
    result = [-1] * size
    for number, members in enumerate(groups):
        for index in members:
            result[index] = number
    following = len(groups)
    for index in range(size):
        if index not in scale:
            result[index] = following
            following += 1
    return tuple(result)


def unordered_hierarchy(question_id: str, options: Sequence[str],
                        counts: np.ndarray) -> Hierarchy:
    """The rarest options grouped, one more per level, until all are one group."""
    rarity = sorted(range(len(options)), key=lambda i: (int(counts[i]), -i))
    partitions = [tuple(range(len(options)))]
    for grouped in range(2, len(options) + 1):
        rare = set(rarity[:grouped])
        numbers, result = {}, []
        for index in range(len(options)):
            key = -1 if index in rare else index
            result.append(numbers.setdefault(key, len(numbers)))
        partitions.append(tuple(result))
    return Hierarchy(question_id, tuple(options), False, tuple(partitions))


def thin_levels(hierarchy: Hierarchy, most: int) -> Hierarchy:
    """At most `most` levels (the first and the top kept), evenly spread, still nested."""
    if hierarchy.levels <= most:
        return hierarchy
    keep = sorted({round(i * (hierarchy.top - 1) / (most - 2)) for i in range(most - 1)})
    partitions = tuple(hierarchy.partitions[i] for i in keep)
    return Hierarchy(hierarchy.question_id, hierarchy.options, hierarchy.ordered, partitions)


@dataclass(frozen=True)
class QuasiIdentifier:
    """What the search needs to know of one quasi-identifier question."""

    question_id: str
    options: tuple[str, ...]  # every value an answer may take, in definition order
    ordered: bool
    apart: tuple[str, ...] = ()  # options outside the order of an ordered one


def build_hierarchies(quasi: Sequence[QuasiIdentifier], cells: pd.DataFrame) -> list[Hierarchy]:
    """The hierarchy of each quasi-identifier, from the marginal counts of `cells`."""
    most = max(3, int(LATTICE_LIMIT ** (1 / len(quasi)))) if quasi else 0
    result = []
    for index, qi in enumerate(quasi):
        counts = marginal_counts(cells, index, len(qi.options))
        if qi.ordered:
            hierarchy = ordered_hierarchy(qi.question_id, qi.options, counts, qi.apart)
        else:
            hierarchy = unordered_hierarchy(qi.question_id, qi.options, counts)
        result.append(thin_levels(hierarchy, most))
    return result


def cell_counts(records: pd.DataFrame, quasi: Sequence[QuasiIdentifier],
                counts: Sequence[int] | None = None) -> pd.DataFrame:
    """Records (one column of option ids or None per quasi-identifier; each record counting
    once, or `counts` times) → cells: one row per combination of option codes present
    (unknown values and "not answered" take the last code), with its `count`."""
    weights = np.ones(len(records), dtype=np.int64) if counts is None \
        else np.asarray(counts, dtype=np.int64)
    if not quasi:
        return pd.DataFrame({"count": np.array([weights.sum()] if len(records) else [],
                                               dtype=np.int64)})
    codes = {}
    for qi in quasi:
        index = {option: code for code, option in enumerate(qi.options)}
        codes[qi.question_id] = pd.Series(records[qi.question_id], dtype=object).map(index) \
            .fillna(len(qi.options)).to_numpy(dtype=np.int64)
    frame = pd.DataFrame({**codes, "count": weights})
    cells = frame.groupby([qi.question_id for qi in quasi], sort=True)["count"].sum()
    return cells.reset_index()


def cells_from_codes(codes: Sequence[np.ndarray], quasi: Sequence[QuasiIdentifier],
                     records: int) -> pd.DataFrame:
    """Option codes of every record (one array per quasi-identifier, "not answered" as the
    last code) → cells, as `cell_counts` makes them."""
    if not quasi:
        return pd.DataFrame({"count": np.array([records] if records else [], dtype=np.int64)})
    radix = [len(qi.options) + 1 for qi in quasi]
    if math.prod(radix) >= _MAX_KEY:
        raise ValueError("too many combinations of quasi-identifier values")
    key = np.zeros(records, dtype=np.int64)
    for code, base in zip(codes, radix, strict=True):
        key = key * base + code
    unique, counts = np.unique(key, return_counts=True)
    columns = {}
    for qi, base in zip(reversed(quasi), reversed(radix), strict=True):
        columns[qi.question_id] = unique % base
        unique = unique // base
    cells = pd.DataFrame({qi.question_id: columns[qi.question_id] for qi in quasi})
    cells["count"] = counts.astype(np.int64)
    return cells


def marginal_counts(cells: pd.DataFrame, index: int, options: int) -> np.ndarray:
    """Records per option code of the `index`-th quasi-identifier (not answered last)."""
    column = cells.columns[index]
    return np.bincount(cells[column].to_numpy(dtype=np.int64),
                       weights=cells["count"].to_numpy(dtype=np.float64),
                       minlength=options + 1).astype(np.int64)


@dataclass(frozen=True)
class Plan:
    """The chosen generalization levels and what they cost."""

    k: int
    hierarchies: tuple[Hierarchy, ...]
    levels: tuple[int, ...]
    records: int
    suppressed: int
    k_reached: int | None  # the smallest released class; None when nothing is released
    information_loss: float  # bits per record
    nodes_searched: int
    lattice_size: int
    small_keys: np.ndarray = field(repr=False)  # generalized keys of the suppressed classes

    @property
    def released(self) -> int:
        return self.records - self.suppressed

    def generalize(self, index: int, codes: np.ndarray) -> np.ndarray:
        """Option codes of the `index`-th quasi-identifier → its group numbers."""
        return self.hierarchies[index].mapping(self.levels[index])[codes]

    def keep(self, codes: Sequence[np.ndarray]) -> np.ndarray:
        """Which records (option codes per quasi-identifier, at least one) are released."""
        keys = _keys(self.hierarchies, self.levels,
                     [self.generalize(i, c) for i, c in enumerate(codes)])
        return ~np.isin(keys, self.small_keys)


def _keys(hierarchies, levels, groups: Sequence[np.ndarray]) -> np.ndarray:
    key = np.zeros(len(groups[0]), dtype=np.int64)
    for hierarchy, level, group in zip(hierarchies, levels, groups, strict=True):
        key = key * int(hierarchy.mapping(level).max() + 1) + group
    return key


def _classes(hierarchies, levels, codes, counts):
    """(keys, sizes) of the equivalence classes of a level combination."""
    if not hierarchies:
        return np.zeros(1, dtype=np.int64), np.array([counts.sum()])
    groups = [h.mapping(level)[c] for h, level, c in zip(hierarchies, levels, codes, strict=True)]
    keys = _keys(hierarchies, levels, groups)
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique, np.bincount(inverse, weights=counts).astype(np.int64)


def plan_generalization(cells: pd.DataFrame, hierarchies: Sequence[Hierarchy], k: int,
                        max_suppression: float = 0.0) -> Plan:
    """The level combination releasing only classes of at least `k` records at the least
    cost: fewest records suppressed (up to `max_suppression` × records may be suppressed
    to generalize less), then the least information lost, then the lowest levels."""
    if k < 1:
        raise ValueError("k must be at least 1")
    hierarchies = tuple(hierarchies)
    codes = [cells[cells.columns[i]].to_numpy(dtype=np.int64) for i in range(len(hierarchies))]
    counts = cells["count"].to_numpy(dtype=np.int64)
    records = int(counts.sum())
    if math.prod(h.mapping(0).max() + 1 for h in hierarchies) >= _MAX_KEY:
        raise ValueError("too many combinations of quasi-identifier values")
    marginals = [marginal_counts(cells, i, len(h.options)) for i, h in enumerate(hierarchies)]
    losses = [[h.information_loss(level, marginals[i]) for level in range(h.levels)]
              for i, h in enumerate(hierarchies)]

    def suppressed(levels):
        keys, sizes = _classes(hierarchies, levels, codes, counts)
        return int(sizes[sizes < k].sum())

    top = tuple(h.top for h in hierarchies)
    allowed = max(math.floor(max_suppression * records), suppressed(top))
    nodes = sorted(itertools.product(*(range(h.levels) for h in hierarchies)),
                   key=lambda n: (_loss(losses, n), sum(n), n))
    best, searched = None, 0
    for node in nodes:
        loss = _loss(losses, node)
        if best is not None and loss > best[0] + 1e-12:
            break
        searched += 1
        cost = suppressed(node)
        if cost <= allowed and (best is None or (loss, cost) < best[:2]):
            best = (loss, cost, node)
    loss, cost, node = best
    keys, sizes = _classes(hierarchies, node, codes, counts)
    released = sizes[sizes >= k]
    return Plan(k=k, hierarchies=hierarchies, levels=node, records=records, suppressed=cost,
                k_reached=int(released.min()) if len(released) else None,
                information_loss=round(loss, 6), nodes_searched=searched,
                lattice_size=len(nodes), small_keys=np.sort(keys[sizes < k]))


def _loss(losses, node) -> float:
    return sum(losses[i][level] for i, level in enumerate(node))
