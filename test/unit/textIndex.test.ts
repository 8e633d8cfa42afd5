/** The planner's text index answers as a Map would, whatever the keys, the order and the growth. */
import fc from 'fast-check';
import { TextIndex } from '../../src/sync/textIndex';

test('add keeps the first position, set the last, get finds exactly the keys filed', () => {
  const index = new TextIndex(2);
  expect(index.add('a', 0)).toBe(true);
  expect(index.add('a', 1)).toBe(false);
  index.set('b', 2);
  index.set('b', 3);
  expect(index.get('a')).toBe(0);
  expect(index.get('b')).toBe(3);
  expect(index.get('c')).toBeUndefined();
  expect(index.get('')).toBeUndefined();
  expect(index.size).toBe(2);
});

test('the same answers as a Map for any keys, more of them than expected', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.string({ maxLength: 6 }), fc.boolean()), { maxLength: 300 }),
      fc.nat({ max: 20 }),
      fc.array(fc.string({ maxLength: 6 }), { maxLength: 50 }),
      (puts, expected, probes) => {
        const index = new TextIndex(expected);
        const map = new Map<string, number>();
        puts.forEach(([key, replace], position) => {
          if (replace) {
            index.set(key, position);
            map.set(key, position);
          } else {
            expect(index.add(key, position)).toBe(!map.has(key));
            if (!map.has(key)) map.set(key, position);
          }
        });
        expect(index.size).toBe(map.size);
        for (const key of [...map.keys(), ...probes]) expect(index.get(key)).toBe(map.get(key));
      },
    ),
  );
});

test('keys whose hashes collide in the table are told apart', () => {
  // Many short keys in a small table: long probe runs, and equal slots for different keys.
  const index = new TextIndex(1);
  const keys = Array.from({ length: 2000 }, (_, i) => i.toString(36));
  keys.forEach((key, i) => index.add(key, i));
  keys.forEach((key, i) => expect(index.get(key)).toBe(i));
  expect(index.get('not there')).toBeUndefined();
});
