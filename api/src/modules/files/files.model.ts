import mongoose, { Schema, type Types } from 'mongoose'
import { FileMime, FilePurpose, type FileMimeOutput, type FilePurposeOutput } from './files.contract.js'

export interface FileOwner {
  kind: 'mp' | 'admin'
  id: string
}

const StoredFileSchema = new Schema(
  {
    /** Server-generated storage key (`2026/11/<uuid>`); the only name the storage driver ever sees. */
    key: { type: String, required: true },
    sha256: { type: String, required: true },
    size: { type: Number, required: true },
    /** Detected from the content's magic bytes at upload. */
    mime: { type: String, enum: FileMime.options, required: true },
    /** Sanitised client file name, display only. */
    originalName: { type: String, required: true, maxlength: 200 },
    owner: {
      kind: { type: String, enum: ['mp', 'admin'], required: true },
      id: { type: Schema.Types.ObjectId, required: true },
    },
    purpose: { type: String, enum: FilePurpose.options, required: true },
  },
  { timestamps: { createdAt: true, updatedAt: false } },
)
// Downloads and assertOwnedBy look files up by _id (default index) and compare the owner in memory.
// Serves: reconciling storage with this collection (an orphan sweep looks objects up by key); unique so two
// records can never point at, and later delete, the same object.
StoredFileSchema.index({ key: 1 }, { unique: true })

export interface StoredFileDoc {
  _id: Types.ObjectId
  key: string
  sha256: string
  size: number
  mime: FileMimeOutput
  originalName: string
  owner: { kind: 'mp' | 'admin'; id: Types.ObjectId }
  purpose: FilePurposeOutput
  createdAt: Date
}

export const StoredFileModel = mongoose.model('StoredFile', StoredFileSchema, 'files')
