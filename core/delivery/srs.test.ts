import { describe, expect, it } from 'vitest';
import { Srs } from './srs.js';

const DAY = 86_400_000;

describe('SRS', () => {
  let now = 20_000 * DAY;
  const srs = new Srs({ secret: 'a long random key for the tests', domain: 'MX.Facteur.Test', now: () => now });

  it('rewrites a sender into an address of ours that goes back to it', () => {
    const rewritten = srs.forward('Alice.Martin@Sender.Example');
    expect(rewritten).toMatch(/^SRS0=[A-Z2-7]{6}=[A-Z2-7]{2}=sender\.example=Alice\.Martin@mx\.facteur\.test$/);
    expect(srs.owns(rewritten)).toBe(true);
    expect(srs.reverse(rewritten)).toBe('Alice.Martin@sender.example');
    // A relay may fold the case of the local part.
    expect(srs.reverse(rewritten.toLowerCase())).toBe('alice.martin@sender.example');
  });

  it('leaves the null sender and our own addresses as they are', () => {
    expect(srs.forward('')).toBe('');
    expect(srs.forward('postmaster@mx.facteur.test')).toBe('postmaster@mx.facteur.test');
  });

  it('refuses a forged hash, another key, another domain, and an address older than 21 days', () => {
    const rewritten = srs.forward('alice@sender.example');
    const [, hash] = rewritten.split('=');
    const forged = rewritten.replace(hash, hash === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA');
    expect(srs.reverse(forged)).toBeNull();
    expect(srs.reverse(rewritten.replace('=alice@', '=mallory@'))).toBeNull();
    expect(srs.reverse(rewritten.replace('sender.example', 'other.example'))).toBeNull();
    expect(new Srs({ secret: 'another key', domain: 'mx.facteur.test', now: () => now }).reverse(rewritten)).toBeNull();
    expect(srs.reverse(rewritten.replace('@mx.facteur.test', '@elsewhere.test'))).toBeNull();
    expect(srs.reverse('SRS0=garbage@mx.facteur.test')).toBeNull();
    now += 21 * DAY;
    expect(srs.reverse(rewritten)).toBe('alice@sender.example');
    now += DAY;
    expect(srs.reverse(rewritten)).toBeNull();
  });

  it('keeps a local part that holds "=" or "+"', () => {
    const rewritten = srs.forward('a=b+c@sender.example');
    expect(srs.reverse(rewritten)).toBe('a=b+c@sender.example');
  });
});
