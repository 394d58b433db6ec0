import {
  TrainingsEndpoints as E,
  type CheckModeOutput,
  type PublishInputInput,
  type RegistrationListQueryInput,
  type TrainingInputInput,
  type TrainingListQueryInput,
} from '@zct/api/contracts/trainings/trainings'
import { call, download, type RequestOptions } from './request'

export const listTrainings = (query: TrainingListQueryInput) => call(E.list, { query })
export const createTraining = (body: TrainingInputInput, opts?: RequestOptions) =>
  call(E.create, { body }, opts)
export const getTraining = (id: string, opts?: RequestOptions) => call(E.get, { params: { id } }, opts)
export const publishTraining = (id: string, body: PublishInputInput = {}) =>
  call(E.publish, { params: { id }, body })
export const listRegistrations = (id: string, query: RegistrationListQueryInput) =>
  call(E.registrations, { params: { id }, query })
export const admitRegistration = (id: string, registrationId: string, reason: string) =>
  call(E.admit, { params: { id, registrationId }, body: { reason } })
export const getCheckinCode = (id: string, sessionId: string, mode: CheckModeOutput, opts?: RequestOptions) =>
  call(E.checkinCode, { params: { id, sessionId }, query: { mode } }, opts)
export const checkByHand = (
  id: string,
  sessionId: string,
  body: { registrationId: string; mode: CheckModeOutput; reason: string },
) => call(E.manualCheck, { params: { id, sessionId }, body })
export const getFeedbackSummary = (id: string) => call(E.feedbackSummary, { params: { id } })
export const getTrainingStats = (id: string) => call(E.stats, { params: { id } })
export const getTrainingYearStats = (year: number) => call(E.yearStats, { query: { year } })
export const exportAttendance = (id: string) => download(E.exportAttendance, { params: { id } })
export const cancelTraining = (id: string, reason: string) =>
  call(E.cancelTraining, { params: { id }, body: { reason } })
export const updateTraining = (id: string, body: TrainingInputInput, opts?: RequestOptions) =>
  call(E.update, { params: { id }, body }, opts)
