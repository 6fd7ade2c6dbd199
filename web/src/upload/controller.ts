/**
 * The upload the app is doing, outside any page: the operator may open the flights list while it
 * runs and come back to it. One at a time per tab.
 */
import { ApiError, api } from '../api.js';
import type { CreatedFlight, FlightStatus } from '../api/types.js';
import { forgetUpload, rememberUpload, type UnfinishedUpload, unfinishedUpload } from './resume.js';
import { UploadRun } from './session.js';

type Phase =
  /** Choosing photos (for a new flight, or to resume the one remembered). */
  | 'pick'
  | 'uploading'
  /** Every photo tried; some failed, or the upload stopped: the operator decides. */
  | 'stopped'
  | 'completing'
  | 'completed';

/** Progress is drawn at most this often: XMLHttpRequest reports it many times a second per request. */
const DRAW_EVERY_MS = 150;

class UploadController {
  phase: Phase = 'pick';
  /** The flight being uploaded into: remembered across reloads until it is completed. */
  target: UnfinishedUpload | null = unfinishedUpload();
  /** What the server says of the remembered flight (photos it has), for the resume offer. */
  remembered: FlightStatus | undefined;
  run: UploadRun | undefined;
  error: unknown;
  private readonly listeners = new Set<() => void>();
  private drawing: ReturnType<typeof setTimeout> | undefined;

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed = (): void => {
    this.drawing ??= setTimeout(() => {
      this.drawing = undefined;
      for (const listener of this.listeners) listener();
    }, DRAW_EVERY_MS);
  };

  /** Looks up the remembered flight: gone or completed meanwhile (another tab), it is forgotten. */
  async checkRemembered(): Promise<void> {
    const target = this.target;
    if (!target || this.phase !== 'pick') return;
    try {
      const status = await api<FlightStatus>('GET', `/flights/${target.flightId}`);
      if (status.flight.status === 'completed') this.forget();
      else this.remembered = status;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) this.forget();
      else this.error = error;
    }
    this.changed();
  }

  /** Starts a new flight, or continues the remembered one, with these photos. */
  async start(photos: File[], flight: { name: string; siteName?: string }): Promise<void> {
    if (this.phase !== 'pick') return;
    this.error = undefined;
    this.phase = 'uploading';
    this.changed();
    try {
      if (!this.target) {
        const created = await api<CreatedFlight>('POST', '/flights', { body: flight });
        this.target = {
          flightId: created.id,
          name: created.name,
          photos: photos.length,
          startedAt: created.createdAt,
        };
        rememberUpload(this.target);
      }
      this.run = new UploadRun(this.target.flightId, photos, this.changed);
      await this.run.start();
      await this.settle();
    } catch (error) {
      this.stop(error);
    }
  }

  async retryFailed(): Promise<void> {
    if (!this.run || this.phase !== 'stopped') return;
    this.error = undefined;
    this.phase = 'uploading';
    this.changed();
    try {
      await this.run.retryFailed();
      await this.settle();
    } catch (error) {
      this.stop(error);
    }
  }

  /** Completes the flight with what the server has, failed photos left out. */
  async complete(): Promise<void> {
    const target = this.target;
    if (!target) return;
    this.phase = 'completing';
    this.changed();
    try {
      await api('POST', `/flights/${target.flightId}/complete`);
      forgetUpload();
      this.phase = 'completed';
    } catch (error) {
      this.stop(error);
    }
    this.changed();
  }

  /** Back to choosing photos for the same flight (the server keeps what arrived). */
  again(): void {
    this.run?.cancel();
    this.run = undefined;
    this.error = undefined;
    this.phase = 'pick';
    this.changed();
    void this.checkRemembered();
  }

  /** After a completed upload: a new flight. */
  next(): void {
    this.target = null;
    this.remembered = undefined;
    this.run = undefined;
    this.phase = 'pick';
    this.changed();
  }

  /** Drops the remembered flight (it stays on the server, open, with what it has) and starts afresh. */
  forget(): void {
    this.run?.cancel();
    forgetUpload();
    this.target = null;
    this.remembered = undefined;
    this.run = undefined;
    this.error = undefined;
    this.phase = 'pick';
    this.changed();
  }

  private async settle(): Promise<void> {
    const run = this.run!;
    if (run.fatal || run.totals().count.failed > 0) this.stop(run.fatal);
    else await this.complete();
  }

  private stop(error: unknown): void {
    // The flight was completed elsewhere or is gone: nothing is left to resume.
    if (error instanceof ApiError && (error.status === 404 || error.status === 409)) forgetUpload();
    this.error = error;
    this.phase = this.target ? 'stopped' : 'pick';
    this.changed();
  }
}

export const uploads = new UploadController();
