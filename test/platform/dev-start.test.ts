import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  STAMP_FILE,
  consoleInputs,
  ensureConsoleBuilt,
  hashInputs,
  rebuildReason,
} from '../../scripts/lib/console-build.js'
import { defaultBackoff, supervise } from '../../scripts/lib/supervise.js'
import { startFakeWechat } from '../support/fake-wechat/index.js'
import { keepOperatorActive } from '../support/fake-wechat/operator.js'
import { startTestApi, testEnv } from '../support/api.js'

const root = path.resolve(import.meta.dirname, '../..')
const temps: string[] = []
function tempDir() {
  const dir = mkdtempSync(path.join(tmpdir(), 'zct-start-'))
  temps.push(dir)
  return dir
}
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true })
})

function write(file: string, text: string) {
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, text)
}

/** A repository in miniature: what the console is built from, and a built admin/dist. */
function miniRepo() {
  const dir = tempDir()
  write(path.join(dir, 'admin/src/main.ts'), "import { Login } from '@zct/api/contracts/staff/staff'\n")
  write(path.join(dir, 'admin/src/perm.ts'), "import { PERMISSIONS } from '@zct/api/permissions'\n")
  write(
    path.join(dir, 'api/package.json'),
    JSON.stringify({
      exports: { './permissions': './src/platform/permissions.ts', './internal/*': './src/*.ts' },
    }),
  )
  write(path.join(dir, 'admin/index.html'), '<div id="app"></div>')
  write(path.join(dir, 'admin/package.json'), '{}')
  write(path.join(dir, 'api/src/modules/staff/staff.contract.ts'), 'export const Login = 1')
  write(path.join(dir, 'api/src/modules/staff/staff.service.ts'), 'export const rules = 1')
  write(path.join(dir, 'api/src/platform/permissions.ts'), 'export const PERMISSIONS = {}')
  write(path.join(dir, 'pnpm-lock.yaml'), 'lockfileVersion: 9.0')
  write(path.join(dir, 'admin/dist/index.html'), '<built>')
  return dir
}
const hashOf = (dir: string) => hashInputs(dir, consoleInputs(dir))
const stamp = (dir: string) => writeFileSync(path.join(dir, 'admin/dist', STAMP_FILE), hashOf(dir) + '\n')

/** A stand-in for vite at admin/node_modules/.bin/vite: prints 70 lines, then exits with `code`. */
function fakeVite(dir: string, code: number) {
  const bin = path.join(dir, 'admin/node_modules/.bin/vite')
  write(
    bin,
    `#!/bin/sh\nfor i in $(seq 1 70); do echo "vite line $i"; done\nmkdir -p dist && echo built > dist/index.html\nexit ${code}\n`,
  )
  chmodSync(bin, 0o755)
}

describe('console build on start', () => {
  it('rebuilds only when the console, a contract, an imported api module or the lockfile changed', () => {
    const dir = miniRepo()
    const dist = path.join(dir, 'admin/dist')
    expect(rebuildReason(dist, hashOf(dir))).toBe('构建来源未记录')
    stamp(dir)
    expect(rebuildReason(dist, hashOf(dir))).toBeNull()

    // Neither the built files nor an api module the console does not import count.
    write(path.join(dir, 'admin/dist/assets/x.js'), 'x')
    write(path.join(dir, 'admin/node_modules/pkg/index.js'), 'x')
    write(path.join(dir, 'api/src/modules/staff/staff.service.ts'), 'export const rules = 2')
    expect(rebuildReason(dist, hashOf(dir))).toBeNull()

    for (const [file, text] of [
      ['admin/src/main.ts', '// edited'],
      ['api/src/modules/staff/staff.contract.ts', 'export const Login = 2'],
      ['api/src/platform/permissions.ts', "export const PERMISSIONS = { 'x': 1 }"],
      ['pnpm-lock.yaml', 'lockfileVersion: 9.1'],
      ['admin/src/views/New.vue', '<template />'],
    ] as const) {
      write(path.join(dir, file), text)
      expect(rebuildReason(dist, hashOf(dir)), file).toBe('源码已修改')
      stamp(dir)
    }
    rmSync(path.join(dist, 'index.html'))
    expect(rebuildReason(dist, hashOf(dir))).toBe('尚未构建')
  })

  it('builds in one line, keeping the build output to itself, and skips the build when nothing changed', async () => {
    const dir = miniRepo()
    fakeVite(dir, 0)
    const said: string[] = []
    const out = vi.spyOn(process.stdout, 'write')
    try {
      expect(await ensureConsoleBuilt(dir, { say: (l) => said.push(l) })).toBe('built')
      expect(await ensureConsoleBuilt(dir, { say: (l) => said.push(l) })).toBe('current')
      expect(out.mock.calls.some(([c]) => String(c).includes('vite line'))).toBe(false)
    } finally {
      out.mockRestore()
    }
    expect(said).toHaveLength(2)
    expect(said[0]).toMatch(/^管理后台：已构建 admin\/dist（构建来源未记录，用时 [\d.]+ 秒）$/)
    expect(said[1]).toBe('管理后台：源码未变，沿用已构建的 admin/dist')
  })

  it('shows the build output when the build fails', async () => {
    const dir = miniRepo()
    fakeVite(dir, 1)
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      await expect(ensureConsoleBuilt(dir, { say: () => {} })).rejects.toThrow(/管理后台构建失败/)
      expect(err.mock.calls.map(([c]) => String(c)).join('')).toContain('vite line 70')
    } finally {
      err.mockRestore()
    }
  })
})

/** A child that prints `ready`, then crashes with code 3 on its first run and stays up on later ones. */
function crashOnce(marker: string) {
  const code = `
    const fs = require('node:fs')
    console.log('ready')
    if (!fs.existsSync(${JSON.stringify(marker)})) { fs.writeFileSync(${JSON.stringify(marker)}, ''); setTimeout(() => process.exit(3), 50) }
    else setInterval(() => {}, 1000)`
  return () => spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'pipe'] })
}

describe('process supervision', () => {
  it('restarts a crashed process after a delay, with a line saying so', async () => {
    const said: string[] = []
    const s = supervise({
      name: 'api',
      spawn: crashOnce(path.join(tempDir(), 'crashed')),
      readyLine: /^ready$/,
      say: (l) => said.push(l),
      backoffMs: () => 100,
    })
    try {
      await s.ready
      await expect.poll(() => said, { timeout: 10_000 }).toContain('api 已重新启动')
      expect(said).toEqual(['api 进程意外退出（code 3），0.1 秒后重启', 'api 已重新启动'])
      expect(s.restarts).toBe(1)
    } finally {
      await s.stop()
    }
    expect(s.proc.exitCode !== null || s.proc.signalCode !== null).toBe(true)
  })

  it('waits 2 s after a first crash and longer after each crash in a row, up to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6].map(defaultBackoff)).toEqual([2000, 4000, 8000, 16000, 30000, 30000])
  })

  it('does not restart a process that fails before it was ever ready (a configuration error)', async () => {
    const said: string[] = []
    const s = supervise({
      name: 'worker',
      spawn: () => spawn(process.execPath, ['-e', 'process.exit(1)'], { stdio: ['ignore', 'pipe', 'pipe'] }),
      readyLine: /worker ready/,
      say: (l) => said.push(l),
      backoffMs: () => 10,
    })
    await expect(s.ready).rejects.toThrow('worker 启动失败（code 1）')
    await new Promise((r) => setTimeout(r, 100))
    expect(s.restarts).toBe(0)
    expect(said).toEqual([])
  })
})

describe('content-security operator in development', () => {
  /** msg_sec_check v2 under the operator's openid, as the api calls it when content is published. */
  async function secCheck(base: string, openid: string) {
    const token = (await (
      await fetch(`${base}/cgi-bin/stable_token`, {
        method: 'POST',
        body: JSON.stringify({ grant_type: 'client_credential', appid: 'wx-dev', secret: 's' }),
      })
    ).json()) as { access_token: string }
    const res = await fetch(`${base}/wxa/msg_sec_check?access_token=${token.access_token}`, {
      method: 'POST',
      body: JSON.stringify({ version: 2, openid, scene: 3, content: '专利信息推送' }),
    })
    return ((await res.json()) as { errcode?: number }).errcode ?? 0
  }

  it('stays "recently active" past WeChat\'s window, where a single login at start expires (61010)', async () => {
    // WeChat's two hours, scaled down to 400 ms; the operator logs in every 100 ms instead of 30 min.
    const wx = await startFakeWechat({ appId: 'wx-dev', appSecret: 's', secCheckAccessWindowMs: 400 })
    const kept = await keepOperatorActive({
      baseUrl: wx.url,
      openid: 'dev-operator',
      appId: 'wx-dev',
      appSecret: 's',
      everyMs: 100,
    })
    try {
      // Someone who logged in once, at start, as the start script used to do.
      const once = await wx.control.loginCode({ openid: 'once-only' })
      await fetch(
        `${wx.url}/sns/jscode2session?appid=wx-dev&secret=s&js_code=${once.code}&grant_type=authorization_code`,
      )
      expect(await secCheck(wx.url, 'once-only')).toBe(0)
      expect(await secCheck(wx.url, 'dev-operator')).toBe(0)
      await new Promise((r) => setTimeout(r, 700))
      expect(await secCheck(wx.url, 'once-only')).toBe(61010)
      expect(await secCheck(wx.url, 'dev-operator')).toBe(0)
    } finally {
      kept.stop()
      await wx.close()
    }
  })
})

describe('create-admin in development', () => {
  const tsx = path.join(root, 'node_modules/.bin/tsx')

  it('uses the secrets and database of pnpm start when the environment names none', async () => {
    const env = testEnv()
    const dataDir = tempDir()
    writeFileSync(
      path.join(dataDir, 'dev-secrets.json'),
      JSON.stringify({
        JWT_SECRET: env.JWT_SECRET,
        DATA_KEY: env.DATA_KEY,
        DATA_HASH_KEY: env.DATA_HASH_KEY,
        ADMIN_PASSWORD: 'Not-used-by-create-admin-1',
      }),
    )
    writeFileSync(
      path.join(dataDir, 'dev-runtime.json'),
      JSON.stringify({ MONGODB_URI: env.MONGODB_URI, REDIS_URL: env.REDIS_URL }),
    )
    const username = `dev${randomBytes(3).toString('hex')}`
    const password = 'Dev-admin-Pw7-kestrel'
    // Only what a developer types: no NODE_ENV, no secrets, no database address.
    const res = spawnSync(tsx, ['api/src/cli/create-admin.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        DEV_DATA_DIR: dataDir,
        ADMIN_USERNAME: username,
        ADMIN_PASSWORD: password,
      },
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(res.stderr).toBe('')
    expect(res.status).toBe(0)
    expect(res.stdout).toContain(`已创建超级管理员 ${username}`)

    // The api that pnpm start runs (same database) lets them in.
    const api = await startTestApi({ MONGODB_URI: env.MONGODB_URI, REDIS_PREFIX: env.REDIS_PREFIX })
    try {
      // As pnpm start does, wait until it is ready (Redis connected) before signing in.
      await expect.poll(async () => (await api.call('GET', '/readyz')).status).toBe(200)
      const login = await api.call('POST', '/admin/v1/auth/login', { body: { username, password } })
      expect(login.status, JSON.stringify(login.body)).toBe(200)
    } finally {
      await api.close()
    }
  })

  it('says to run pnpm start first when it has not generated its secrets yet', () => {
    const res = spawnSync(tsx, ['api/src/cli/create-admin.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, DEV_DATA_DIR: tempDir(), ADMIN_USERNAME: 'a', ADMIN_PASSWORD: 'b' },
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(res.status).toBe(1)
    expect(res.stderr).toMatch(/JWT_SECRET/)
    expect(res.stderr).toContain('请先运行 pnpm start')
  })
})
