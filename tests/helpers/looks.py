"""What is wrong with a page as a browser shows it: wider than the viewport, or anything
axe-core (from the axe-playwright-python package) finds, of any impact."""

from axe_playwright_python.sync_playwright import Axe

AXE = Axe()
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wider = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 0.5
                 && !e.closest('.table-scroll') && getComputedStyle(e).position !== 'absolute')
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')
                           + ' ' + (e.textContent || '').trim().slice(0, 40));
  return {scroll: document.documentElement.scrollWidth, width, wider};
}"""


def problems_of(tab) -> list[str]:
    """What is wrong with the page open in `tab`: overflow and axe's violations."""
    found = []
    size = tab.evaluate(OVERFLOW)
    if size["scroll"] > size["width"]:
        found.append(f"{size['scroll']} px wide in {size['width']} px: {size['wider']}")
    for violation in AXE.run(tab).response["violations"]:
        nodes = [" ".join(node["target"]) for node in violation["nodes"][:3]]
        found.append(f"axe {violation['id']} ({violation['impact']}): {nodes}")
    return found
