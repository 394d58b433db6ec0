/** `pnpm --filter @zct/api bench:jwt`: verify cost with the cached KeyObject vs a string secret. */
import jwt from 'jsonwebtoken'
import { JwtService } from '../src/platform/jwt.js'

const secret = 'bench-secret-bench-secret-bench-secret-0123'
const svc = new JwtService(secret, 'zhichantong', 900)
const { token } = svc.sign('64b7f0c2a1b2c3d4e5f60718', 'admin', 0)

function time(label: string, n: number, fn: () => void) {
  for (let i = 0; i < 1000; i++) fn()
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) fn()
  const us = Number(process.hrtime.bigint() - t0) / 1e3 / n
  console.log(
    `${label.padEnd(40)} ${us.toFixed(1).padStart(8)} µs/op   ${Math.round(1e6 / us).toLocaleString('en')} ops/s`,
  )
}

time('verify, cached KeyObject (JwtService)', 50_000, () => svc.verify(token, 'admin'))
time('verify, string secret (for comparison)', 5_000, () =>
  jwt.verify(token, secret, { algorithms: ['HS256'], audience: 'admin', issuer: 'zhichantong' }),
)
time('sign, cached KeyObject', 20_000, () => svc.sign('64b7f0c2a1b2c3d4e5f60718', 'admin', 0))
