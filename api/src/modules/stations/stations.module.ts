import { defineModule } from '../../platform/modules.js'
import { BookingsService } from './stations.bookings.js'
import { StationsEndpoints } from './stations.contract.js'
import { CreditService } from './stations.credit.js'
import { StationLedgerEndpoints } from './stations.ledger.contract.js'
import { LedgerService } from './stations.ledger.js'
import { STATION_TASKS } from './stations.jobs.js'
import { registerStationsRoutes } from './stations.routes.js'
import { Clock, StationsService, type StationDeps } from './stations.service.js'
import { SlotsService } from './stations.slots.js'

/** Stations and rules, slots, bookings (with reminders), the credit score, the ledger and statistics. */
export interface StationsServices {
  /** the time every rule reads; tests move it (credit recovery, the rating window) */
  clock: Clock
  stations: StationsService
  slots: SlotsService
  bookings: BookingsService
  credit: CreditService
  ledger: LedgerService
}

declare module '../../platform/modules.js' {
  interface Services {
    stations: StationsServices
  }
}

/** After notifications and files: it notifies bookers, schedules reminders and serves attachments. */
export default defineModule({
  name: 'stations',
  endpoints: { ...StationsEndpoints, ...StationLedgerEndpoints },
  build: ({ cipher, log, services }): StationsServices => {
    const deps: StationDeps = {
      clock: new Clock(),
      cipher,
      notifications: services.notifications,
      files: services.files,
      log: log.child({ module: 'stations' }),
    }
    const stations = new StationsService(deps)
    const slots = new SlotsService(deps, stations)
    const credit = new CreditService()
    const bookings = new BookingsService(deps, stations, slots, credit)
    // Every process that may run a reminder's job re-reads its booking when it falls due.
    services.notifications.registerSubject('booking.reminder', (subjectId) => bookings.stillDue(subjectId))
    return { clock: deps.clock, stations, slots, bookings, credit, ledger: new LedgerService(deps, stations) }
  },
  routes: (r, s, { services }) => registerStationsRoutes(r, s, services),
  tasks: STATION_TASKS,
})
