import { describe, expect, it } from 'vitest';
import { mailboxOf } from './mailbox.ts';

describe('mailboxOf', () => {
  it.each([
    ['victim+1@example.com', 'victim@example.com'],
    ['Victim+news+x@Example.COM', 'victim@example.com'],
    ['victim@example.com.', 'victim@example.com'],
    ['v.ic.tim+x@gmail.com', 'victim@gmail.com'],
    ['V.ictim@GoogleMail.com', 'victim@gmail.com'],
    // Dots matter elsewhere, and a leading + is no tag.
    ['v.ictim@example.com', 'v.ictim@example.com'],
    ['+victim@example.com', '+victim@example.com'],
  ])('reads %s as the inbox %s', (address, mailbox) => {
    expect(mailboxOf(address)).toBe(mailbox);
  });
});
