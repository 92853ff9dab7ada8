#!/usr/bin/env python3
"""Derives the synthetic no-zero-page recording from a real zero-page one.

No machine booted with pvm_no_zero_page=1 was reachable when the recordings
were made.  Issue 10 reports what such a guest (Linux 6.18.44, like ours)
showed: after `A: read p[0]` on untouched private anonymous memory, pagemap
0x81000000001843d2 (present, PM_MMAP_EXCLUSIVE, a fresh PFN) where a
zero-page kernel shows the shared zero page.  This script replaces every
observation that was the zero page with that value and marks the profile
`+mm_forbids_zeropage`.  Usage (from the source tree):
  tests/conformance/make-synthetic-no-zero-page.py ZERO_PAGE_RECORDING.json OUT.json
"""
import json
import sys

ISSUE_VALUE = 0x81000000001843d2
PRESENT, EXCL, PFN = 1 << 63, 1 << 56, (1 << 55) - 1

src, dst = sys.argv[1], sys.argv[2]
d = json.load(open(src))
probe = d["kernel"]["probe"]
zero = int(probe["pagemap_after_read"], 16)
assert zero & PRESENT and not zero & EXCL, "the source recording is not from a zero-page kernel"
zero_pfn = zero & PFN
d["synthetic"] = True
d["note"] = (
    "SYNTHETIC: no machine booted with pvm_no_zero_page=1 was reachable. Derived by "
    "tests/conformance/make-synthetic-no-zero-page.py from " + src.split("/")[-1] + " with the value issue 10 reports "
    "from such a guest (the same Linux 6.18.44): after `A: read p[0]` on untouched private anonymous memory pagemap "
    "shows 0x81000000001843d2 (present, PM_MMAP_EXCLUSIVE, a fresh PFN) where the zero-page machine showed the shared "
    "zero page (PFN %#x). Every observation that was the zero page is replaced by that value, and the later "
    "observations of that page while it stays present and exclusive get its PFN (the read mapped it writable, so the "
    "write does not fault); the others are the zero-page machine's, which the model allows under both profiles (on the zero-page machine, replay --live --config "
    "'v6.18+mm_forbids_zeropage-CONFIG_MEM_SOFT_DIRTY' disagreed at exactly the zero-page observations). Replace with "
    "a real recording (replay scenarios/ --live --record) when such a machine is met." % zero_pfn)
k = d["kernel"]
k["boot_params"] = probe["boot_params"] = ["pvm_no_zero_page=1"]
k["profile"] = k["profile"].replace("v6.18", "v6.18 +mm_forbids_zeropage", 1)
k["config"]["mm_forbids_zeropage"] = True
probe["pagemap_after_read"] = "%#018x" % ISSUE_VALUE
probe["pagemap_after_read_second_mapping"] = None  # not reported
# A read fault on a THP VMA maps the huge zero folio on the zero-page
# machine; what a pvm_no_zero_page=1 guest maps there (a THP of its own, the
# model says) was never reported, so such scenarios are left out rather
# than guessed.
LEFT_OUT = {
    "scenarios/zero-page/forbids-zeropage-thp-read.scenario":
        "a read fault on a THP VMA shows the huge zero folio; no report of such a guest's THP",
    # vmsplice of an untouched page: the pipe's bytes after a later store
    # are not a pagemap value this script can translate (the zero-page
    # machine's pipe holds the zero page); never reported from such a guest.
    "scenarios/zero-page/forbids-zeropage-vmsplice.scenario":
        "the pipe holds the zero page on the zero-page machine; no report of what such a guest's pipe reads",
}
kept = [s for s in d["scenarios"] if s["file"] not in LEFT_OUT]
if len(kept) != len(d["scenarios"]):
    d["note"] += " Left out: " + "; ".join(
        "%s (%s)" % (f, why) for f, why in LEFT_OUT.items() if any(s["file"] == f for s in d["scenarios"])) + "."
d["scenarios"] = kept
changed = 0
for s in d["scenarios"]:
    replaced = {}  # "A: pagemap p[0]" -> the PFN it got instead of the zero page
    for o in s["observations"]:
        if o["kind"] != "pagemap":
            continue
        v = int(o["value"], 16)
        page = " ".join(o["text"].split(" ")[:3])  # "A: pagemap p[0]"
        if v & PRESENT and not v & EXCL and (v & PFN) == zero_pfn:
            # The issue's value; other flags (uffd-wp) kept; another page of
            # the same scenario gets the next PFN (two pages never share one).
            pfn = replaced.get(page, (ISSUE_VALUE & PFN) + len(replaced))
            o["value"] = "%#018x" % ((v & ~PFN) | EXCL | pfn)
            replaced[page] = pfn
            changed += 1
        elif page in replaced and v & PRESENT and v & EXCL:
            # With mm_forbids_zeropage the read mapped a writable exclusive
            # page (do_anonymous_page: pte_mkwrite when VM_WRITE), so a later
            # write does not fault: the page keeps the read's PFN.
            o["value"] = "%#018x" % ((v & ~PFN) | replaced[page])
            changed += 1
        elif page in replaced:
            del replaced[page]
# PAGEMAP_SCAN over a range, packed as model/pagemap_scan.h pack_pm_scan_result
# does: regions of 14 bits from bit 8, categories from bit 5 of each, and
# PAGE_IS_PFNZERO is category bit 5.  Without the zero page the read faults
# map fresh pages: a scan that requires PAGE_IS_PFNZERO finds nothing (ret 0;
# the walk completes, walk_end unchanged).  Any other scan that saw the zero
# page cannot be derived: stop rather than guess.
for s in d["scenarios"]:
    for o in s["observations"]:
        if ": pagemap_scan " not in o["text"]:
            continue
        v = int(o["value"])
        if not any((v >> (8 + 14 * i + 5)) & (1 << 5) for i in range(4)):
            continue
        assert "required=pfnzero" in o["text"].split(), "cannot derive " + o["text"]
        o["value"] = str(v & (7 << 5))
        changed += 1
assert changed > 0, "no zero-page observation found"
def dump(d):
    """The layout mmcheck writes: the scenarios last, one observation per line."""
    scenarios = d.pop("scenarios")
    d["scenarios"] = []
    head = json.dumps(d, indent=2)
    head = head[: head.rfind("[]")]
    out = [head + "["]
    for i, sc in enumerate(scenarios):
        out.append(("," if i else "") + "\n    {\"file\": %s, \"title\": %s, \"observations\": [" % (
            json.dumps(sc["file"]), json.dumps(sc["title"])))
        for k, o in enumerate(sc["observations"]):
            out.append(("," if k else "") + "\n      " + json.dumps(o, separators=(",", ":")))
        out.append("]}")
    return "".join(out) + "\n  ]\n}\n"

with open(dst + ".tmp", "w") as f:
    f.write(dump(d))
import os
os.replace(dst + ".tmp", dst)
print("%d observations changed" % changed)
