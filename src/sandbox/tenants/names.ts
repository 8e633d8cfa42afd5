/**
 * Name material for sandbox tenants. Mixed scripts and accents on purpose: real tenants have
 * them, and address/name normalisation bugs only show up with them.
 */
import type { Rng } from './prng';

interface NamePool {
  given: readonly string[];
  family: readonly string[];
  /** Latin transliteration used for the address when the name is not Latin script. */
  ascii?: { given: readonly string[]; family: readonly string[] };
}

const POOLS: readonly { weight: number; pool: NamePool }[] = [
  {
    weight: 50,
    pool: {
      given: ['James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen', 'Daniel', 'Nancy', 'Matthew', 'Lisa', 'Anthony', 'Betty', 'Mark', 'Sandra', 'Steven', 'Ashley', 'Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Ethan'],
      family: ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Miller', 'Davis', 'Wilson', 'Anderson', 'Taylor', 'Thomas', 'Moore', 'Martin', 'Jackson', 'Thompson', 'White', 'Harris', 'Clark', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Green', 'Baker', 'Adams', 'Nelson', "O'Brien", 'McDonald'],
    },
  },
  {
    weight: 20,
    pool: {
      given: ['José', 'María', 'François', 'Zoë', 'Björn', 'Søren', 'Jürgen', 'Agnès', 'Łukasz', 'Márton', 'Inês', 'Renée', 'Chloé', 'Ángel', 'Dominik', 'Anaïs', 'Håkon', 'Çağla'],
      family: ['García', 'Müller', 'Lefèvre', 'Núñez', 'Øvergård', 'Kowalczyk', 'Dvořák', 'Schröder', 'Pérez', 'Gonçalves', 'Åström', 'Ibáñez', 'Nováková', 'Yılmaz', 'van der Berg', 'Bäcker'],
    },
  },
  {
    weight: 10,
    pool: {
      given: ['太郎', '花子', '健', '美咲', '翔'],
      family: ['山田', '佐藤', '鈴木', '高橋', '田中'],
      ascii: { given: ['taro', 'hanako', 'ken', 'misaki', 'sho'], family: ['yamada', 'sato', 'suzuki', 'takahashi', 'tanaka'] },
    },
  },
  {
    weight: 10,
    pool: {
      given: ['Алексей', 'Ольга', 'Дмитрий', 'Наталья', 'Иван'],
      family: ['Иванов', 'Петрова', 'Смирнов', 'Кузнецова', 'Попов'],
      ascii: { given: ['aleksei', 'olga', 'dmitry', 'natalya', 'ivan'], family: ['ivanov', 'petrova', 'smirnov', 'kuznetsova', 'popov'] },
    },
  },
  {
    weight: 10,
    pool: {
      given: ['محمد', 'فاطمة', 'علي', 'ليلى', '伟', '芳', 'Priya', 'Arjun', 'Nguyễn Văn', 'Thảo'],
      family: ['الحسن', 'خليل', 'منصور', '王', '李', 'Sharma', 'Patel', 'Trần', 'Lê', 'Phạm'],
      ascii: {
        given: ['mohammed', 'fatima', 'ali', 'layla', 'wei', 'fang', 'priya', 'arjun', 'van', 'thao'],
        family: ['alhassan', 'khalil', 'mansour', 'wang', 'li', 'sharma', 'patel', 'tran', 'le', 'pham'],
      },
    },
  },
];
const TOTAL_WEIGHT = POOLS.reduce((s, p) => s + p.weight, 0);

export interface PersonName {
  givenName: string;
  surname: string;
  /** Lower-case ASCII local-part material: given.family. */
  localPart: string;
}

/** Strips accents and anything not usable in a mailbox local part. */
export function asciiFold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ø/gi, 'o')
    .replace(/ł/gi, 'l')
    .replace(/å/gi, 'a')
    .replace(/ı/g, 'i')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
}

export function randomName(rng: Rng): PersonName {
  let roll = rng.int(TOTAL_WEIGHT);
  let pool = (POOLS[0] as (typeof POOLS)[number]).pool;
  for (const p of POOLS) {
    if (roll < p.weight) {
      pool = p.pool;
      break;
    }
    roll -= p.weight;
  }
  const gi = rng.int(pool.given.length);
  const fi = rng.int(pool.family.length);
  const givenName = pool.given[gi] as string;
  const surname = pool.family[fi] as string;
  const g = pool.ascii ? (pool.ascii.given[gi] as string) : asciiFold(givenName);
  const f = pool.ascii ? (pool.ascii.family[fi] as string) : asciiFold(surname);
  return { givenName, surname, localPart: `${g}.${f}` };
}

export const DEPARTMENTS: readonly { name: string; weight: number; titles: readonly string[] }[] = [
  { name: 'Sales', weight: 20, titles: ['Account Executive', 'Sales Development Representative', 'Regional Sales Manager', 'Sales Engineer'] },
  { name: 'Engineering', weight: 22, titles: ['Software Engineer', 'Senior Software Engineer', 'Staff Engineer', 'QA Analyst', 'Engineering Manager'] },
  { name: 'Marketing', weight: 8, titles: ['Marketing Specialist', 'Content Strategist', 'Product Marketing Manager'] },
  { name: 'Finance', weight: 8, titles: ['Accountant', 'Financial Analyst', 'Controller', 'Payroll Specialist'] },
  { name: 'Human Resources', weight: 5, titles: ['HR Generalist', 'Recruiter', 'HR Business Partner'] },
  { name: 'IT', weight: 7, titles: ['Systems Administrator', 'Service Desk Analyst', 'Network Engineer', 'Security Analyst'] },
  { name: 'Operations', weight: 15, titles: ['Operations Coordinator', 'Logistics Specialist', 'Warehouse Lead', 'Operations Manager'] },
  { name: 'Customer Success', weight: 10, titles: ['Customer Success Manager', 'Support Specialist', 'Onboarding Consultant'] },
  { name: 'Legal', weight: 3, titles: ['Legal Counsel', 'Paralegal', 'Compliance Officer'] },
  { name: 'Executive', weight: 2, titles: ['Chief Executive Officer', 'Chief Financial Officer', 'Chief Operating Officer', 'Vice President'] },
];
const DEPT_WEIGHT = DEPARTMENTS.reduce((s, d) => s + d.weight, 0);

export function randomDepartment(rng: Rng): (typeof DEPARTMENTS)[number] {
  let roll = rng.int(DEPT_WEIGHT);
  for (const d of DEPARTMENTS) {
    if (roll < d.weight) return d;
    roll -= d.weight;
  }
  return DEPARTMENTS[0] as (typeof DEPARTMENTS)[number];
}

export const OFFICES: readonly { office: string; country: string; usage: string; lang: string }[] = [
  { office: 'New York', country: 'United States', usage: 'US', lang: 'en-US' },
  { office: 'Chicago', country: 'United States', usage: 'US', lang: 'en-US' },
  { office: 'London', country: 'United Kingdom', usage: 'GB', lang: 'en-GB' },
  { office: 'Berlin', country: 'Germany', usage: 'DE', lang: 'de-DE' },
  { office: 'Paris', country: 'France', usage: 'FR', lang: 'fr-FR' },
  { office: 'Tokyo', country: 'Japan', usage: 'JP', lang: 'ja-JP' },
  { office: 'São Paulo', country: 'Brazil', usage: 'BR', lang: 'pt-BR' },
];
