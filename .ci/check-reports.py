"""Reads every Surefire report of the build and the tier log the tier guard writes.

Fails when a test was skipped for any reason other than a known defect (a @Disabled test whose
reason starts with "known defect", each named in an issue note and printed here so it stays
visible), or when one of the tiers CI must run (2 real kernel, 3 real API server, 4 cluster
simulation, 5 end to end, 6 real node) ran no test.
Prints one summary line in the form CI runners read: 'N passed, N failed, N skipped'.
"""
import glob
import sys
import xml.etree.ElementTree as ET

REQUIRED_TIERS = {2: "real kernel", 3: "real API server", 4: "cluster simulation", 5: "end to end", 6: "real node"}


def main(tier_log):
    passed = failed = skipped = 0
    bad_skips = []
    for report in glob.glob("**/target/surefire-reports/TEST-*.xml", recursive=True):
        for case in ET.parse(report).getroot().iter("testcase"):
            name = f"{case.get('classname')}.{case.get('name')}"
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif case.find("skipped") is not None:
                skipped += 1
                node = case.find("skipped")
                message = (node.get("message") or node.text or "(no reason given)").strip()
                if message.startswith("known defect"):
                    print(f"ci: KNOWN DEFECT, test disabled: {name}: {message}")
                else:
                    bad_skips.append(f"{name}: {message}")
            else:
                passed += 1
    try:
        with open(tier_log) as f:
            ran = {int(line.split()[0]) for line in f if line.strip()}
    except FileNotFoundError:
        ran = set()
    ok = True
    for skip in bad_skips:
        print(f"ci: skipped test not allowed in CI: {skip}")
        ok = False
    for tier, title in sorted(REQUIRED_TIERS.items()):
        if tier in ran:
            print(f"ci: tier {tier} ({title}) ran")
        else:
            print(f"ci: tier {tier} ({title}) ran no test")
            ok = False
    if passed + failed == 0:
        print("ci: no test ran at all")
        ok = False
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 0 if ok and failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
