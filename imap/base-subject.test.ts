import { describe, expect, it } from 'vitest';
import { baseSubject } from './base-subject.js';

describe('base subject (RFC 5256 §2.1)', () => {
  it.each([
    ['Réunion', 'RéUNION', false],
    ['Re: Réunion', 'RéUNION', true],
    ['RE: re:  Fwd: Réunion', 'RéUNION', true],
    ['Re[2]: conseil', 'CONSEIL', true],
    ['[liste-profs] Re: conseil', 'CONSEIL', true],
    ['[liste-profs] conseil', 'CONSEIL', false],
    ['[seul]', '[SEUL]', false],
    ['conseil (fwd)', 'CONSEIL', true],
    ['[Fwd: Re: conseil]', 'CONSEIL', true],
    ['  conseil \t de  classe  ', 'CONSEIL DE CLASSE', false],
    ['Fw: x', 'X', true],
    ['Reunion', 'REUNION', false],
    ['', '', false],
  ])('%j -> %j', (subject, base, isReply) => {
    expect(baseSubject(subject)).toEqual({ base, isReply });
  });
});
