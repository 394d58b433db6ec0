/* global rs, db, sleep, quit -- mongosh provides these (and print, process.env) */
// Run by the mongo-init service on every `docker compose up`: initiates the replica set the first time and
// does nothing afterwards. The member names are the compose service names, which the api and workers
// resolve too (MONGODB_URI lists the same three).
try {
  rs.status()
  print('replica set rs0 already initiated')
} catch (e) {
  if (e.codeName !== 'NotYetInitialized') throw e
  rs.initiate({
    _id: 'rs0',
    members: [
      // mongo1 is preferred as primary when all are healthy, so the primary is predictable after restarts.
      { _id: 0, host: 'mongo1:27017', priority: 2 },
      { _id: 1, host: 'mongo2:27017', priority: 1 },
      { _id: 2, host: 'mongo3:27017', priority: 1 },
    ],
  })
  print('replica set rs0 initiated')
}
// Wait for a primary, so the api does not start against a set still electing one; exit 1 (and the api
// does not start) if none is elected within a minute.
const hasPrimary = () => rs.status().members.some((m) => m.stateStr === 'PRIMARY')
for (let i = 0; i < 60 && !hasPrimary(); i++) sleep(1000)
if (!hasPrimary()) {
  print('no primary elected within 60 s: see `docker compose logs mongo1 mongo2 mongo3`')
  quit(1)
}

// With compose.mongo-auth.yaml: the application's user, once, on the primary. Least privilege: read and
// write (and build indexes) in the application's database only.
const appUser = process.env.MONGO_APP_USERNAME
if (appUser) {
  const app = db.getSiblingDB('zhichantong')
  if (app.getUser(appUser)) print(`user ${appUser} already exists`)
  else {
    // Writes go to the primary: wait until this node is it (mongo1 has the highest priority).
    for (let i = 0; i < 60 && !db.hello().isWritablePrimary; i++) sleep(1000)
    app.createUser({
      user: appUser,
      pwd: process.env.MONGO_APP_PASSWORD,
      roles: [{ role: 'readWrite', db: 'zhichantong' }],
    })
    print(`user ${appUser} created`)
  }
}
