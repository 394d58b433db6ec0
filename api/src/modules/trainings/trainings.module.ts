import { defineModule } from '../../platform/modules.js'
import { AttendanceService } from './trainings.attendance.js'
import { CertificatesService } from './trainings.certificates.js'
import { ReportsService } from './trainings.reports.js'
import { TrainingsEndpoints } from './trainings.contract.js'
import { TRAINING_TASKS } from './trainings.jobs.js'
import { registerTrainingsRoutes } from './trainings.routes.js'
import { Clock, TrainingsService } from './trainings.service.js'

/** Trainings and the waitlist, check-in, certificates and hours, feedback, export and statistics. */
export interface TrainingsServices {
  /** the time every rule reads; tests move it (offers' deadlines, check-in windows) */
  clock: Clock
  trainings: TrainingsService
  attendance: AttendanceService
  certificates: CertificatesService
  reports: ReportsService
}

declare module '../../platform/modules.js' {
  interface Services {
    trainings: TrainingsServices
  }
}

/** After notifications, files and stations: it notifies registrants and schedules their reminders. */
export default defineModule({
  name: 'trainings',
  endpoints: TrainingsEndpoints,
  build: ({ cipher, config, log, services }): TrainingsServices => {
    const clock = new Clock()
    const moduleLog = log.child({ module: 'trainings' })
    const trainings = new TrainingsService({
      clock,
      cipher,
      notifications: services.notifications,
      log: moduleLog,
    })
    // Every process that may run a reminder's job re-reads the registration when it falls due.
    services.notifications.registerSubject('training.reminder', (subjectId) => trainings.stillDue(subjectId))
    // A published training can be the content of a push campaign: the campaign wizard and dry run as is.
    services.campaigns.campaigns.registerSource('training', {
      getPublishedForPush: (id) => trainings.pushable(id),
    })
    return {
      clock,
      trainings,
      attendance: new AttendanceService({ clock, secret: config.jwt.secret }),
      certificates: new CertificatesService({ clock, cipher, publicUrl: config.http.publicUrl }),
      reports: new ReportsService({ clock, cipher, log: moduleLog }),
    }
  },
  routes: (r, s, { services }) => registerTrainingsRoutes(r, s, services),
  tasks: TRAINING_TASKS,
})
