"""Drives headless Chromium through the operator console, as an operator would.

    console_walkthrough.py BASE_URL EMAIL PASSWORD SCREENSHOTS CONTEXT POISON_TYPE PNR

Signs in, waits for the fleet page's live figures to show the poison message's dead letter,
opens the dead letters, the group and the message, replays the group (dry run first), finds
the booking PNR, opens its flight, delays it and sees the delay arrive live, and signs out; a
screenshot of each page goes to SCREENSHOTS. Exits 1 with the reason at the first
thing that is not as it should be.
"""

import os
import sys

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import WebDriverWait

BASE, EMAIL, PASSWORD, SCREENSHOTS, CONTEXT, POISON_TYPE, PNR = sys.argv[1:8]


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("AIRFLEET_TEST_CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900"):
        options.add_argument(argument)
    # Debian's driver, so that Selenium never tries to download one.
    service = Service(executable_path=os.environ.get("AIRFLEET_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(options=options, service=service)


def check(condition, what):
    if not condition:
        raise AssertionError(what)


def main():
    os.makedirs(SCREENSHOTS, exist_ok=True)
    driver = browser()
    wait = WebDriverWait(driver, 20)
    step = "start"

    def shot(name):
        driver.save_screenshot(os.path.join(SCREENSHOTS, f"{name}.png"))

    try:
        step = "the sign-in page"
        driver.get(BASE + "/console")
        wait.until(seen.presence_of_element_located((By.ID, "sign-in")))
        shot("1-sign-in")
        driver.find_element(By.ID, "email").send_keys(EMAIL)
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.ID, "sign-in").click()

        step = "the fleet page with live figures"
        wait.until(seen.presence_of_element_located((By.ID, "fleet")))
        check(driver.current_url.endswith("/console/fleet"), f"signed in, the browser is at {driver.current_url}")
        wait.until(lambda d: d.find_element(By.ID, "live").get_attribute("data-state") == "live")
        dead = f'tr[data-context="{CONTEXT}"] [data-figure="dead"]'
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, dead).text == "1")
        shot("2-fleet")

        step = "the dead letters page"
        driver.find_element(By.LINK_TEXT, "Dead letters").click()
        group = wait.until(seen.presence_of_element_located((By.CSS_SELECTOR, "#dead-letters tbody tr")))
        check(POISON_TYPE in group.text, f"the group row reads {group.text!r}")
        shot("3-dead-letters")

        step = "the group and the message"
        group.find_element(By.LINK_TEXT, "Open").click()
        wait.until(seen.presence_of_element_located((By.CSS_SELECTOR, "#letters a"))).click()
        envelope = wait.until(seen.presence_of_element_located((By.ID, "envelope")))
        check(POISON_TYPE in envelope.text, "the message page shows no envelope of the poison message")
        check(driver.find_element(By.ID, "letter-error").text.strip(), "the message page shows no reason")
        shot("4-dead-letter")

        step = "the replay's dry run"
        driver.get(BASE + "/console/dead-letters")
        row = wait.until(seen.presence_of_element_located((By.CSS_SELECTOR, "#dead-letters tbody tr")))
        row.find_element(By.CSS_SELECTOR, 'button[data-action="replay"]').click()
        dry_run = wait.until(seen.presence_of_element_located((By.ID, "dry-run")))
        check(dry_run.text.startswith("1 dead letter(s)"), f"the dry run reads {dry_run.text!r}")
        shot("5-replay-dry-run")

        step = "the replay"
        driver.find_element(By.ID, "confirm").click()
        outcome = wait.until(seen.presence_of_element_located((By.ID, "message")))
        check(outcome.text.startswith("Replayed 1 dead letter(s)"), f"the replay reads {outcome.text!r}")
        shot("6-replayed")

        step = "the PNR search"
        driver.find_element(By.LINK_TEXT, "Bookings").click()
        wait.until(seen.presence_of_element_located((By.ID, "q"))).send_keys(PNR.lower())
        driver.find_element(By.ID, "find-booking").click()
        booking = wait.until(seen.presence_of_element_located((By.ID, "booking")))
        check("confirmed" in booking.text, f"the booking reads {booking.text!r}")
        shot("7-booking")

        step = "the flight page, live"
        booking.find_element(By.CSS_SELECTOR, 'a[href^="/console/flights/"]').click()
        wait.until(lambda d: d.find_element(By.ID, "live").get_attribute("data-state") == "live")
        flight_page = driver.current_url
        shot("8-flight")

        step = "the delay, seen live in a second tab"
        first = driver.current_window_handle
        driver.switch_to.new_window("tab")
        driver.get(flight_page)
        wait.until(lambda d: d.find_element(By.ID, "live").get_attribute("data-state") == "live")
        watcher = driver.current_window_handle
        driver.switch_to.window(first)
        departure = driver.find_element(By.ID, "departure").get_attribute("value")
        arrival = driver.find_element(By.ID, "arrival").get_attribute("value")
        # Two hours later; datetime-local fields do not take typed text alike in every locale.
        later = lambda value: value[:11] + f"{(int(value[11:13]) + 2) % 24:02d}" + value[13:]
        driver.execute_script("arguments[0].value = arguments[1]", driver.find_element(By.ID, "departure"), later(departure))
        driver.execute_script("arguments[0].value = arguments[1]", driver.find_element(By.ID, "arrival"), later(arrival))
        driver.find_element(By.ID, "delay-reason").send_keys("crew")
        driver.find_element(By.ID, "delay").click()
        outcome = wait.until(seen.presence_of_element_located((By.ID, "message")))
        check(outcome.text == "Delayed.", f"the delay reads {outcome.text!r}")
        driver.switch_to.window(watcher)
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, '#flight [data-field="status"]').text == "delayed")
        check("flight.delayed.v1: crew" in driver.find_element(By.ID, "updates").text, "the delay is not among the live updates")
        shot("9-delayed-live")
        driver.close()
        driver.switch_to.window(first)

        step = "sign-out"
        driver.find_element(By.ID, "sign-out").click()
        wait.until(seen.presence_of_element_located((By.ID, "sign-in")))
        driver.get(BASE + "/console/fleet")
        wait.until(seen.presence_of_element_located((By.ID, "sign-in")))
        check(driver.current_url.endswith("/console/sign-in"), "signed out, the fleet page still opened")
    except (AssertionError, TimeoutException) as error:
        shot("failed")
        print(f"console walkthrough failed at {step}: {error or 'timed out'} (page {driver.current_url})", file=sys.stderr)
        print(driver.find_element(By.TAG_NAME, "body").text[:2000], file=sys.stderr)
        sys.exit(1)
    finally:
        driver.quit()
    print("console walkthrough passed")


if __name__ == "__main__":
    main()
