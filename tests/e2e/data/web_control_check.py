#!/usr/bin/python3
"""Drives ditstream-control's web page in headless Chromium (Selenium, Debian's chromium-driver):
the timeline shows the first prompt (applied before the page opened), the preview switches to
WebRTC and shows that prompt's blue background, a request that is not a prompt is refused,
a prompt typed into the box appears in the applied-prompt timeline, and the preview turns to the
new prompt's green background. Saves a screenshot of the page.

Usage: web_control_check.py URL SCREENSHOT.png FIRST_PROMPT PROMPT
"""
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

url, screenshot, first, prompt = sys.argv[1:5]


def colour(driver):
    text = driver.find_element(By.ID, "preview-colour").text
    return [int(v) for v in text.split(",")] if "," in text else None


def dominant(channel):
    """True when the preview's mean colour has `channel` (0 R, 1 G, 2 B) well above the others."""
    def check(driver):
        c = colour(driver)
        return c if c and all(c[channel] > c[o] + 30 for o in range(3) if o != channel) else False
    return check


options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                 "--window-size=900,1000"):
    options.add_argument(argument)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    driver.get(url)
    wait = WebDriverWait(driver, 60, poll_frequency=0.25)
    wait.until(lambda d: d.find_element(By.ID, "state").text == "open")
    # The first prompt was applied before the page opened: the timeline starts with it.
    wait.until(lambda d: first in d.find_element(By.ID, "timeline").text)
    wait.until(lambda d: d.find_element(By.ID, "preview-source").text == "webrtc")
    print("preview over WebRTC", flush=True)
    print("before:", wait.until(dominant(2)), flush=True)

    driver.execute_script("socket.send(JSON.stringify({command: 'ls'}))")
    wait.until(lambda d: d.find_element(By.ID, "reply").text.startswith("refused: field 'command'"))
    print("not a prompt:", driver.find_element(By.ID, "reply").text, flush=True)

    driver.find_element(By.ID, "prompt").send_keys(prompt)
    driver.find_element(By.ID, "send").click()
    wait.until(lambda d: d.find_element(By.ID, "reply").text == "sent: " + prompt)
    sent = time.monotonic()
    wait.until(lambda d: prompt in d.find_element(By.ID, "timeline").text)
    print(f"applied after {time.monotonic() - sent:.1f} s:",
          driver.find_element(By.ID, "timeline").text.splitlines()[-1], flush=True)
    print("after:", wait.until(dominant(1)), flush=True)
    driver.save_screenshot(screenshot)
finally:
    driver.quit()
