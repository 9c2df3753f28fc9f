/** Bumped when the initial state changes; a database records which version it was seeded with. */
export const SEED_VERSION = 1;

export interface SeedInput {
  companyName: string;
  adminName: string;
  adminEmail: string;
}

/** The initial state a new spaceOS instance expects: one location, its admin, bookable rooms. */
export function seedStatements({ companyName, adminName, adminEmail }: SeedInput): Array<{ text: string; values?: unknown[] }> {
  return [
    { text: `CREATE TABLE locations (id serial PRIMARY KEY, name text NOT NULL, timezone text NOT NULL DEFAULT 'UTC')` },
    { text: `CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, email text NOT NULL UNIQUE, role text NOT NULL CHECK (role IN ('admin', 'member')))` },
    { text: `CREATE TABLE rooms (id serial PRIMARY KEY, location_id int NOT NULL REFERENCES locations(id), name text NOT NULL, capacity int NOT NULL)` },
    { text: `INSERT INTO locations (name) VALUES ($1)`, values: [`${companyName} HQ`] },
    { text: `INSERT INTO users (name, email, role) VALUES ($1, $2, 'admin')`, values: [adminName, adminEmail] },
    {
      text: `INSERT INTO rooms (location_id, name, capacity) SELECT id, r.name, r.capacity FROM locations,
             (VALUES ('Focus Room', 1), ('Meeting Room', 6), ('Board Room', 12)) AS r(name, capacity)`,
    },
  ];
}
