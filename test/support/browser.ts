import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { chromium } from 'playwright-core'

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
