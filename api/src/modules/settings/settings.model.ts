import mongoose, { Schema } from 'mongoose'

/** One document per settings group (`_id` = group name); values are validated by the contract on the way in and out. */
const SettingSchema = new Schema(
  { _id: { type: String, required: true }, value: { type: Schema.Types.Mixed, required: true } },
  { timestamps: true, versionKey: false },
)
export const SettingModel = mongoose.model('Setting', SettingSchema, 'settings')
