import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { chromium } from 'playwright-core'

/** Screenshots land here (git-ignored), for a person to look at what the console showed. */
export const artifacts = path.resolve(import.meta.dirname, '../.artifacts')

/** Debian's Chromium, headless, with the flags this machine's closed network needs. */
export function launchChromium() {
  mkdirSync(artifacts, { recursive: true })
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  })
}
