import { randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { rm, stat } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3'
import { assertObjectKey, StorageNotFoundError, type Storage } from './storage.js'

export interface S3Options {
  endpoint: string
  bucket: string
  region: string
  accessKeyId: string
  secretAccessKey: string
  /** Where uploads are spooled before sending; defaults to the OS temp directory. */
  spoolDir?: string
}

/**
 * An S3-compatible bucket (AWS, MinIO, OSS/COS S3 endpoints). Path-style addressing and checksums only
 * when required, because several S3-compatible stores reject virtual-host buckets and aws-chunked bodies.
 */
export class S3Storage implements Storage {
  private readonly client: S3Client
  private readonly bucket: string
  private readonly spoolDir: string

  constructor(opts: S3Options) {
    this.bucket = opts.bucket
    this.spoolDir = opts.spoolDir ?? os.tmpdir()
    this.client = new S3Client({
      endpoint: opts.endpoint,
      region: opts.region,
      forcePathStyle: true,
      credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    })
  }

  /**
   * PutObject needs the length up front and an upload's length is only known at its end, so the stream is
   * spooled to a local temp file first (bounded by the upload limit) rather than held in memory.
   */
  async put(key: string, stream: Readable) {
    assertObjectKey(key)
    const spool = path.join(this.spoolDir, `zct-s3-${randomUUID()}`)
    try {
      await pipeline(stream, createWriteStream(spool, { flags: 'wx', mode: 0o600 }))
      const { size } = await stat(spool)
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: createReadStream(spool),
          ContentLength: size,
        }),
      )
      return { size }
    } catch (err) {
      stream.destroy()
      throw err
    } finally {
      await rm(spool, { force: true })
    }
  }

  async get(key: string): Promise<Readable> {
    assertObjectKey(key)
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }))
      if (!(res.Body instanceof Readable)) throw new Error('S3 GetObject returned no stream body')
      return res.Body
    } catch (err) {
      if (isNotFound(err)) throw new StorageNotFoundError(key)
      throw err
    }
  }

  async delete(key: string) {
    assertObjectKey(key)
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }))
  }

  async exists(key: string) {
    assertObjectKey(key)
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))
      return true
    } catch (err) {
      if (isNotFound(err)) return false
      throw err
    }
  }
}

function isNotFound(err: unknown) {
  return (
    err instanceof S3ServiceException &&
    (err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata.httpStatusCode === 404)
  )
}
