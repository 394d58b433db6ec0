import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'

/** Screenshots land here (git-ignored), for a person to look at what the console showed. */
export const artifacts = path.resolve(import.meta.dirname, '../.artifacts')

const testRoot = path.resolve(import.meta.dirname, '..')

/** Flags for this machine's closed network: no update checks, no first-run UI. */
const quietFlags = ['--disable-background-networking', '--disable-component-update', '--no-first-run']

/**
 * @sparticuz/chromium's serverless flags, minus those that do not suit a test run: the two that switch off
 * the security model the console runs under (the tests must see what a real browser sees), and
 * `--single-process`, under which closing one test's context ends the whole browser.
 */
const droppedFlags = new Set([
  '--disable-web-security',
  '--allow-running-insecure-content',
  '--single-process',
])

export interface ChromiumChoice {
  executablePath: string
  args: string[]
  /** Where it came from, for the error message when it does not start. */
  source: string
}

/**
 * A system Chromium when there is one (`CHROMIUM_PATH`, else /usr/bin/chromium); otherwise the one shipped
 * in the npm package @sparticuz/chromium, so `pnpm install && pnpm test` needs no browser on the machine.
 */
export async function findChromium(
  env: NodeJS.ProcessEnv = process.env,
  systemPath = '/usr/bin/chromium',
): Promise<ChromiumChoice> {
  const system = env.CHROMIUM_PATH || (existsSync(systemPath) ? systemPath : undefined)
  if (system)
    return {
      executablePath: system,
      args: ['--headless', '--no-sandbox', '--disable-gpu', ...quietFlags],
      source: env.CHROMIUM_PATH ? 'CHROMIUM_PATH' : systemPath,
    }
  const { default: packaged } = await import('@sparticuz/chromium')
  return {
    executablePath: extractPackagedChromium(),
    args: [...packaged.args.filter((a) => !droppedFlags.has(a)), ...quietFlags],
    source: '@sparticuz/chromium',
  }
}

/**
 * The package decompresses its browser into /tmp/chromium, and a second process that finds the file half
 * written launches a broken binary. Two browser suites start at once, so each version is extracted once,
 * by a child process whose TMPDIR is a private staging folder, then moved into place in one rename.
 * It lives in node_modules/.cache rather than /tmp, which some machines mount noexec.
 */
function extractPackagedChromium(): string {
  const require = createRequire(path.join(testRoot, 'package.json'))
  const pkgDir = path.resolve(path.dirname(require.resolve('@sparticuz/chromium')), '..')
  const { version } = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as {
    version: string
  }
  const dir = path.join(testRoot, 'node_modules/.cache', `sparticuz-chromium-${version}`)
  const binary = path.join(dir, 'chromium')
  if (existsSync(binary)) return binary
  const staging = `${dir}.${process.pid}`
  rmSync(staging, { recursive: true, force: true })
  mkdirSync(staging, { recursive: true })
  const res = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "const c = (await import('@sparticuz/chromium')).default; process.stdout.write(await c.executablePath())",
    ],
    { cwd: testRoot, env: { ...process.env, TMPDIR: staging }, encoding: 'utf8', timeout: 120_000 },
  )
  if (res.status !== 0 || !existsSync(path.join(staging, 'chromium'))) {
    rmSync(staging, { recursive: true, force: true })
    throw new Error(`无法解压 @sparticuz/chromium 自带的浏览器：${res.stderr || res.error?.message}`)
  }
  try {
    renameSync(staging, dir)
  } catch {
    // Another suite finished first; its copy is as good as ours.
    rmSync(staging, { recursive: true, force: true })
  }
  return binary
}

/** Headless Chromium for the console tests: the system one, or the packaged one on a bare machine. */
export async function launchChromium() {
  mkdirSync(artifacts, { recursive: true })
  const found = await findChromium()
  try {
    return await chromium.launch({ executablePath: found.executablePath, args: found.args, headless: true })
  } catch (e) {
    throw new Error(
      `Chromium（${found.source}：${found.executablePath}）无法启动。若缺少系统库，请安装：apt-get install -y libnss3 libnspr4 libexpat1\n${(e as Error).message}`,
    )
  }
}

/** The built console the api serves in the browser tests; the root `pnpm test` builds it first. */
export function builtConsole(): string {
  const dist = path.resolve(testRoot, '../admin/dist')
  if (!existsSync(path.join(dist, 'index.html')))
    throw new Error('admin/dist 不存在：先运行 pnpm --filter @zct/admin build（根目录 pnpm test 会自动构建）')
  return dist
}

/** element-plus puts `data-test` on the native <input>/<textarea> of el-input, or on its wrapper: either. */
export const input = (page: Page, name: string) =>
  page
    .locator(
      `input[data-test="${name}"], textarea[data-test="${name}"], [data-test="${name}"] input, [data-test="${name}"] textarea`,
    )
    .first()

/** Answers yes to the open confirm or prompt box. */
export const confirmBox = (page: Page) => page.locator('.el-message-box__btns .el-button--primary').click()

/** Fills the login form the page shows and submits it (what follows is the test's to check). */
export async function signIn(page: Page, username: string, password: string) {
  await input(page, 'login-username').fill(username)
  await input(page, 'login-password').fill(password)
  await page.click('[data-test="login-submit"]')
}

/** Opens `base + to` signed out, signs in on the login page it leads to, and waits to land on `to`. */
export async function signInAt(
  page: Page,
  base: string,
  to: string,
  user: { username: string; password: string },
) {
  await page.goto(`${base}${to}`)
  await signIn(page, user.username, user.password)
  await page.waitForURL((url) => url.pathname === to)
}

export interface Viewport {
  width: number
  height: number
}

/** A console tab in Chinese; each step waits at most 15 s. Closing its context ends the session. */
export async function openPage(browser: Browser, viewport: Viewport = { width: 1440, height: 900 }) {
  const page = await browser.newPage({ viewport, locale: 'zh-CN' })
  page.setDefaultTimeout(15_000)
  return page
}

/**
 * Stands for what `get` returns when it is used, so a describe block can name its page once, at the top,
 * though the page opens only in a hook (and, with one page per test, is a different page each time).
 */
function standIn<T extends object>(get: () => T | undefined, what: string): T {
  return new Proxy({} as T, {
    get(_, prop) {
      const target = get()
      if (!target) throw new Error(`${what} 尚未打开：只能在钩子和测试里使用`)
      const value = Reflect.get(target, prop, target) as unknown
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

/**
 * One Chromium for a describe block, closed after it, with a page for the tests: `'suite'` one page the
 * tests share (a story told in steps), `'test'` a fresh one per test, so no session is left behind, and
 * `'none'` when the tests open their own with `openPage`. Its hooks run before the block's own.
 */
export function consoleBrowser(opts: { page?: 'suite' | 'test' | 'none'; viewport?: Viewport } = {}) {
  const per = opts.page ?? 'suite'
  let browser: Browser | undefined
  let page: Page | undefined
  beforeAll(async () => {
    browser = await launchChromium()
    if (per === 'suite') page = await openPage(browser, opts.viewport)
  })
  if (per === 'test') {
    beforeEach(async () => void (page = await openPage(browser!, opts.viewport)))
    afterEach(() => page?.context().close())
  }
  afterAll(async () => {
    if (per === 'suite') await page?.context().close()
    await browser?.close()
  })
  return { browser: standIn(() => browser, 'Chromium'), page: standIn(() => page, '页面') }
}
