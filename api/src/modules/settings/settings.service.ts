import { PUSH_SETTINGS_DEFAULTS, PushSettings, type PushSettingsOutput } from './settings.contract.js'
import { SettingModel } from './settings.model.js'

export class SettingsService {
  /** Stored values merged over defaults, so a new setting needs no migration. */
  async push(): Promise<PushSettingsOutput> {
    const doc = await SettingModel.findById('push').lean<{ value: unknown }>()
    return PushSettings.parse({ ...PUSH_SETTINGS_DEFAULTS, ...(doc?.value as object | undefined) })
  }

  async updatePush(input: PushSettingsOutput): Promise<PushSettingsOutput> {
    await SettingModel.updateOne({ _id: 'push' }, { $set: { value: input } }, { upsert: true })
    return input
  }
}
