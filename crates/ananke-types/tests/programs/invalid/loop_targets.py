from typing import Dict, List


def pairs(d: Dict[str, str]) -> List[str]:
    out: List[str] = []
    for key, value in d:  # error
        out.append(key + value)
    return out


def items(d: Dict[str, int]) -> int:
    total = 0
    for key, value in d.items():
        total += value + len(key)
    return total
