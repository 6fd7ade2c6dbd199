/**
 * Progress of `hazardscope upload`: a bar on a terminal (cli-progress), one plain line per photo
 * otherwise (CI logs, files), so what scrolled past can be read afterwards.
 */
import cliProgress from 'cli-progress';
import type { Outcome } from './upload-plan.js';

export interface Progress {
  /** Bytes sent (negative: a failed try taken back). */
  sent(bytes: number): void;
  /** A photo is done; unless it was uploaded, its bytes leave the total, since they were not sent. */
  done(file: string, bytes: number, outcome: Outcome, reason?: string): void;
  /** A message that must not be drawn over by the bar. */
  log(line: string): void;
  stop(): void;
}

const MB = 1e6;

export function startProgress(photos: number, totalBytes: number, stream: NodeJS.WriteStream): Progress {
  const started = performance.now();
  let remaining = totalBytes;
  let sentBytes = 0;
  let finished = 0;
  const rate = () => {
    const seconds = (performance.now() - started) / 1000;
    return seconds > 0 ? sentBytes / MB / seconds : 0;
  };
  const payload = () => ({
    photos: finished,
    photoTotal: photos,
    sentMb: (sentBytes / MB).toFixed(1),
    totalMb: (remaining / MB).toFixed(1),
    rate: rate().toFixed(1),
  });

  if (!stream.isTTY) {
    return {
      sent(bytes) {
        sentBytes += bytes;
      },
      done(file, bytes, outcome, reason) {
        finished++;
        if (outcome !== 'uploaded') remaining -= bytes;
        const r = rate();
        const eta = r > 0 ? `, ETA ${Math.ceil((remaining - sentBytes) / MB / r)} s` : '';
        const p = payload();
        stream.write(
          `${p.photos}/${p.photoTotal} photos, ${p.sentMb}/${p.totalMb} MB, ${p.rate} MB/s${eta}: ${outcome} ${file}${reason ? ` (${reason})` : ''}\n`,
        );
      },
      log(line) {
        stream.write(`${line}\n`);
      },
      stop() {
        // Every photo already printed its line.
      },
    };
  }

  const bars = new cliProgress.MultiBar(
    {
      stream,
      format:
        '{bar} {percentage}% | {photos}/{photoTotal} photos | {sentMb}/{totalMb} MB | {rate} MB/s | ETA {eta_formatted}',
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  // The bar counts bytes, so its ETA follows the bytes still to send rather than the photo count.
  const bar = bars.create(Math.max(totalBytes, 1), 0, payload());
  // The bar hides the cursor; Ctrl+C would otherwise leave the terminal without one.
  const interrupted = () => {
    bars.stop();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  return {
    sent(bytes) {
      sentBytes += bytes;
      bar.increment(bytes, payload());
    },
    done(file, bytes, outcome, reason) {
      finished++;
      if (outcome !== 'uploaded') {
        remaining -= bytes;
        bar.setTotal(Math.max(remaining, 1));
      }
      if (outcome === 'rejected' || outcome === 'failed') bars.log(`${outcome}: ${file}: ${reason ?? ''}\n`);
      bar.update(payload());
    },
    log(line) {
      bars.log(`${line}\n`);
    },
    stop() {
      process.off('SIGINT', interrupted);
      bar.update(payload());
      bars.stop();
    },
  };
}
