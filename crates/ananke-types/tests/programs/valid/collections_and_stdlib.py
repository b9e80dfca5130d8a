import heapq
import math
import random
import re
from collections import Counter, defaultdict, deque
from functools import reduce
from itertools import combinations, groupby
from typing import Dict, List, Set, Tuple


def top_k(nums: List[int], k: int) -> List[int]:
    return heapq.nlargest(k, nums)


def word_counts(text: str) -> Dict[str, int]:
    counts: Dict[str, int] = defaultdict(int)
    for word in re.findall(r"\w+", text.lower()):
        counts[word] += 1
    return dict(counts)


def most_common(items: List[str]) -> Tuple[str, int]:
    return Counter(items).most_common(1)[0]


def rotate(items: List[int], n: int) -> List[int]:
    d = deque(items)
    d.rotate(n)
    return list(d)


def product(nums: List[int]) -> int:
    return reduce(lambda a, b: a * b, nums, 1)


def pairs(nums: List[int]) -> List[Tuple[int, int]]:
    return [(a, b) for a, b in combinations(nums, 2) if a < b]


def runs(text: str) -> List[Tuple[str, int]]:
    return [(key, len(list(group))) for key, group in groupby(text)]


def hypot(a: float, b: float) -> float:
    return math.sqrt(a * a + b * b)


def unique_sorted(nums: List[int]) -> List[int]:
    seen: Set[int] = set()
    for n in nums:
        seen.add(n)
    return sorted(seen, reverse=True)


def is_match(pattern: str, text: str) -> bool:
    return re.match(pattern, text) is not None


def jitter(value: float) -> float:
    # `random.random` and `getrandbits` are methods of `_random.Random`,
    # the base of the module's hidden instance.
    return value + random.random() * random.getrandbits(2)
