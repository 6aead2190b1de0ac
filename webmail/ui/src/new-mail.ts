// How many messages came into the inbox, from the folder list's reloads. A live change starts a
// reload, and a burst of changes or the user's own actions can start two at once whose answers
// come back in either order: an answer older than one already applied is dropped whole (its
// counts are stale), so that one arrival is told once, neither lost nor counted twice.
export class NewMailCounter {
  private issued = 0;
  private applied = 0;
  private total: number | null = null;

  /** Before a reload is sent: its ticket. */
  next(): number {
    return ++this.issued;
  }

  /** When reload `ticket` answers with the inbox's message count: null if a newer reload has
   *  answered already (drop this one), else how many messages arrived since the last answer
   *  applied (0 for the first answer: nothing is new at login). */
  answer(ticket: number, inboxTotal: number | null): { arrived: number } | null {
    if (ticket <= this.applied) return null;
    this.applied = ticket;
    if (inboxTotal === null) return { arrived: 0 };
    const before = this.total;
    this.total = inboxTotal;
    return { arrived: before !== null && inboxTotal > before ? inboxTotal - before : 0 };
  }
}
