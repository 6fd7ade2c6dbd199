import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from './config.js';
import { type DatabaseHandle, openDatabase } from './db/client.js';
import { hazardClassesOf, type ModelCard } from './inference/load.js';
import { tuneDecodingForThroughput } from './inference/decode.js';
import { InferencePool } from './inference/pool.js';
import { createFinalFailureHandlers, createHandlers } from './jobs/handlers.js';
import { startRecoverySweeper } from './jobs/sweeper.js';
import { startWorkers } from './jobs/worker.js';
import type { Logger } from './logger.js';
import { AuditRepository } from './repositories/audit.js';
import { CaseRepository } from './repositories/cases.js';
import { ReviewRepository } from './repositories/reviews.js';
import { unitOfWork } from './repositories/unit-of-work.js';
import { DetectionRepository } from './repositories/detections.js';
import { FlightRepository } from './repositories/flights.js';
import { ImageRepository } from './repositories/images.js';
import { JobQueue } from './repositories/queue.js';
import { type EmbeddedS3, ObjectStorage, startEmbeddedS3 } from './repositories/storage.js';
import { FindingRepository } from './repositories/findings.js';
import { ClassSettingRepository } from './repositories/class-settings.js';
import { SiteRepository } from './repositories/sites.js';
import { TokenRepository } from './repositories/tokens.js';
import { CaseService } from './services/cases.js';
import { MissedHazardRepository } from './repositories/missed-hazards.js';
import { SigningKeyRepository } from './repositories/signing-keys.js';
import { EvidenceService } from './services/evidence.js';
import type { SigningKey } from './evidence/signing.js';
import { OrganisationRepository } from './repositories/organisations.js';
import { DetectionService } from './services/detect.js';
import { FlightQueryService } from './services/flights.js';
import { ImageService } from './services/images.js';
import { IngestService } from './services/ingest.js';
import { RecoveryService } from './services/recovery.js';
import { IngestRulesService } from './services/ingest-rules.js';
import { OperationsService } from './services/operations.js';
import { Metrics } from './metrics.js';
import { failureCategory } from './domain/failures.js';
import { timedDetector } from './inference/timed.js';
import { ReviewService } from './services/review.js';
import { RevisionService } from './services/revisions.js';
import { FindingHistoryService } from './services/finding-history.js';
import { RevisionRepository } from './repositories/revisions.js';
import { FindingsScheduler } from './services/findings-scheduler.js';
import { FindingsService } from './services/findings.js';
import { ModelClassService } from './services/model-classes.js';
import { AuditService } from './services/audit.js';
import { AuditAnchorService } from './services/audit-anchor.js';
import { SiteService } from './services/sites.js';
import { TokenService } from './services/tokens.js';
import { UserService } from './services/users.js';
import { type ActiveModel, ModelActivationService } from './services/model-activation.js';
import { ReviewedPhotoService } from './services/reviewed-photos.js';
import { TrainingExportService } from './services/training-export.js';
import { ModelActivationRepository } from './repositories/model-activations.js';
import { TrainingDataRepository } from './repositories/training-data.js';
import { openDataset } from './repositories/dataset-files.js';

export interface Services {
  ingest: IngestService;
  flights: FlightQueryService;
  images: ImageService;
  review: ReviewService;
  revisions: RevisionService;
  findingHistory: FindingHistoryService;
  cases: CaseService;
  tokens: TokenService;
  users: UserService;
  sites: SiteService;
  findings: FindingsService;
  evidence: EvidenceService;
  signingKeys: SigningKeyRepository;
  modelClasses: ModelClassService;
  auditAnchor: AuditAnchorService;
  recovery: RecoveryService;
  operations: OperationsService;
  ingestRules: IngestRulesService;
}

export interface Readiness {
  /** Per dependency: 'ok', or what is wrong with it. */
  check(): Promise<Record<string, string>>;
}

export interface Container {
  config: Config;
  logger: Logger;
  model: ModelCard;
  services: Services;
  readiness: Readiness;
  storage: ObjectStorage;
  database: DatabaseHandle;
  metrics: Metrics;
  /** Starts the inference pool and the BullMQ workers in this process. */
  startWorker(): Promise<{ close(): Promise<void> }>;
  /** Signs the audit head into S3 every AUDIT_CHECKPOINT_INTERVAL_SECONDS when it moved (0: never). */
  startAuditCheckpoints(): void;
  /** Starts the periodic recovery sweep in this process (unless RECOVERY_SWEEP_SECONDS is 0). */
  startRecoverySweeper(): void;
  close(): Promise<void>;
}

/** The composition root: the only place that builds concrete repositories and services. */
export async function createContainer(config: Config, logger: Logger): Promise<Container> {
  const closers: Array<() => Promise<void>> = [];
  try {
    const storage = await openStorage(config, logger, closers);

    const database = await openDatabase({
      url: config.DATABASE_URL,
      schema: config.DATABASE_SCHEMA,
      pgliteDir: config.DATABASE_URL ? undefined : path.join(config.dataDir, 'pglite'),
      connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
      queryTimeoutMs: config.DATABASE_QUERY_TIMEOUT_MS,
    });
    closers.push(() => database.close());

    const redisConnection = { url: config.REDIS_URL };
    const queue = new JobQueue(redisConnection, {
      prefix: config.QUEUE_PREFIX,
      attempts: config.JOB_ATTEMPTS,
      backoffMs: config.JOB_BACKOFF_MS,
    });
    closers.push(() => queue.close());

    const db = database.db;
    const audit = new AuditRepository(db);
    const transactions = unitOfWork(db);
    const modelActivations = new ModelActivationService({
      activations: new ModelActivationRepository(db),
      audit,
      unitOfWork: transactions,
    });
    const active = await modelActivations.resolveActive(config.MODEL_DIR);
    logModelChoice(logger, active);
    const modelDir = active.directory;
    const model = active.card;
    const hazardClasses = hazardClassesOf(model);
    const flights = new FlightRepository(db);
    const images = new ImageRepository(db);
    const detections = new DetectionRepository(db);
    const cases = new CaseRepository(db);
    const reviews = new ReviewRepository(db);
    const revisions = new RevisionRepository(db);
    const tokens = new TokenRepository(db);
    const organisations = new OrganisationRepository(db);
    const missed = new MissedHazardRepository(db);
    const clock = () => new Date();
    const signingKeys = new SigningKeyRepository(db);
    const configuredKey = config.EVIDENCE_SIGNING_KEY_FILE
      ? await readFile(path.resolve(config.EVIDENCE_SIGNING_KEY_FILE), 'utf8')
      : undefined;
    // Checked now, so a bad key file stops start-up instead of the first export.
    const signingKey: SigningKey = await signingKeys.current(configuredKey);
    const sites = new SiteRepository(db);
    const findingRepository = new FindingRepository(db);
    const settlement = new FindingsScheduler(flights, queue);
    const tokenService = new TokenService({ tokens, organisations, audit, unitOfWork: transactions });
    const caseService = new CaseService({
      cases,
      reviews,
      findings: findingRepository,
      flights,
      sites,
      storage,
      audit,
      unitOfWork: transactions,
      timeZone: config.REPORT_TIME_ZONE,
      now: clock,
    });
    const modelClasses = new ModelClassService({
      model,
      settings: new ClassSettingRepository(db),
      audit,
      unitOfWork: transactions,
    });
    const findings = new FindingsService({
      findings: findingRepository,
      flights,
      sites,
      unitOfWork: transactions,
      recurrenceDays: config.FINDING_RECURRENCE_DAYS,
      liveClasses: modelClasses,
      logger: logger.child({ module: 'findings' }),
    });

    const recovery = new RecoveryService({
      images,
      flights,
      findings,
      queue,
      settlement,
      audit,
      modelSha256: model.sha256,
      policy: {
        graceMs: config.RECOVERY_GRACE_SECONDS * 1000,
        maxAttempts: config.RECOVERY_MAX_ATTEMPTS,
        backoffMs: config.RECOVERY_BACKOFF_SECONDS * 1000,
      },
      batchSize: 2000,
      now: clock,
      logger: logger.child({ module: 'recovery' }),
      onAction: (action) => metrics.recoveryActions.inc({ action }),
    });

    const operations = new OperationsService({
      images,
      findings: findingRepository,
      flights,
      queue,
      audit,
      modelSha256: model.sha256,
      maxAutomaticRetries: config.RECOVERY_MAX_ATTEMPTS,
      now: clock,
    });
    const metrics = new Metrics({ snapshot: () => operations.snapshot() });

    const services: Services = {
      recovery,
      operations,
      ingestRules: new IngestRulesService({
        images,
        findings: findingRepository,
        organisations,
        queue,
        audit,
        modelSha256: model.sha256,
        now: clock,
      }),
      ingest: new IngestService({
        recovery,
        flights,
        images,
        storage,
        queue,
        audit,
        settlement,
        modelSha256: model.sha256,
        presignTtlSeconds: config.PRESIGN_TTL_SECONDS,
        logger: logger.child({ module: 'ingest' }),
      }),
      flights: new FlightQueryService({
        flights,
        imageRepository: images,
        detections,
        findings: findingRepository,
        liveClasses: modelClasses,
      }),
      images: new ImageService({ images, detections, storage, audit, presignTtlSeconds: config.PRESIGN_TTL_SECONDS }),
      review: new ReviewService({
        findings: findingRepository,
        reviews,
        cases,
        flights,
        images,
        detections,
        missed,
        audit,
        unitOfWork: transactions,
        classes: hazardClasses,
        leaseSeconds: config.REVIEW_LEASE_SECONDS,
        now: clock,
      }),
      findingHistory: new FindingHistoryService({ findings: findingRepository, reviews, revisions, cases }),
      revisions: new RevisionService({
        findings: findingRepository,
        reviews,
        revisions,
        cases,
        flights,
        images,
        detections,
        audit,
        unitOfWork: transactions,
        classes: hazardClasses,
        now: clock,
      }),
      cases: caseService,
      tokens: tokenService,
      users: new UserService({
        tokens,
        issuer: tokenService,
        organisations,
        audit,
        unitOfWork: transactions,
        now: clock,
      }),
      sites: new SiteService({ sites, audit, unitOfWork: transactions }),
      findings,
      evidence: new EvidenceService({
        cases: caseService,
        images,
        storage,
        audit,
        signingKey,
        model,
        timeZone: config.REPORT_TIME_ZONE,
        now: clock,
        logger: logger.child({ module: 'evidence' }),
      }),
      signingKeys,
      modelClasses,
      auditAnchor: new AuditAnchorService({
        audit,
        storage,
        signingKey,
        signingKeys,
        now: clock,
        logger: logger.child({ module: 'audit-anchor' }),
      }),
    };

    const readiness: Readiness = {
      async check() {
        const result: Record<string, string> = {};
        const probe = async (name: string, fn: () => Promise<unknown>) => {
          try {
            // Short: a probe that waits on a stuck dependency is itself stuck; one second is plenty for a live one.
            await withTimeout(fn(), 1000);
            result[name] = 'ok';
          } catch (error) {
            result[name] = error instanceof Error ? error.message : String(error);
          }
        };
        await Promise.all([
          probe('database', () => database.exec('SELECT 1')),
          probe('storage', () => storage.ping()),
          probe('queue', () => queue.ping()),
        ]);
        return result;
      },
    };

    const container: Container = {
      config,
      logger,
      model,
      services,
      readiness,
      storage,
      database,
      metrics,
      async startWorker() {
        tuneDecodingForThroughput();
        const pool = await InferencePool.start({
          modelDir,
          threads: config.INFERENCE_THREADS,
          intraOpThreads: config.ORT_THREADS,
        });
        if (pool.spec.sha256 !== model.sha256) {
          await pool.close();
          throw new Error(`model file changed while starting: ${pool.spec.sha256} is not ${model.sha256}`);
        }
        const detection = new DetectionService({
          images,
          detections,
          storage,
          audit,
          unitOfWork: transactions,
          detector: timedDetector(pool, (seconds) => metrics.inferenceDuration.observe(seconds)),
          hazardClasses,
          sites,
          organisations,
          settlement,
          maxImagePixels: config.MAX_IMAGE_PIXELS,
          logger: logger.child({ module: 'detect' }),
        });
        const workers = startWorkers(
          createHandlers({ detection, findings }),
          createFinalFailureHandlers({ detection, logger: logger.child({ module: 'worker' }) }),
          {
            connection: redisConnection,
            prefix: config.QUEUE_PREFIX,
            concurrency: config.WORKER_CONCURRENCY,
            lockDurationMs: config.JOB_LOCK_MS,
          },
          logger.child({ module: 'worker' }),
          {
            finished: (job, seconds, outcome) => {
              metrics.jobDuration.observe({ job, outcome }, seconds);
              if (job === 'detect' && outcome === 'completed') metrics.photosProcessed.inc();
            },
            failedForGood: (job, reason) => {
              if (job === 'detect') metrics.failed(failureCategory(reason));
            },
          },
        );
        logger.info(
          {
            threads: pool.size,
            ortThreads: config.ORT_THREADS,
            concurrency: config.WORKER_CONCURRENCY,
            model: `${model.name}@${model.version}`,
          },
          'worker started',
        );
        const stop = async () => {
          await workers.close();
          await pool.close();
        };
        closers.push(stop);
        return { close: stop };
      },
      startAuditCheckpoints() {
        const seconds = config.AUDIT_CHECKPOINT_INTERVAL_SECONDS;
        if (seconds <= 0) return;
        const anchorLogger = logger.child({ module: 'audit-anchor' });
        let running: Promise<unknown> = Promise.resolve();
        let busy = false;
        const timer = setInterval(() => {
          // A slow S3 must not stack up checkpoints; the next tick tries again.
          if (busy) return;
          busy = true;
          running = services.auditAnchor
            .checkpoint()
            .catch((error: unknown) => anchorLogger.warn({ err: String(error) }, 'audit checkpoint failed'))
            .finally(() => (busy = false));
        }, seconds * 1000);
        timer.unref();
        closers.push(async () => {
          clearInterval(timer);
          await running;
        });
      },
      startRecoverySweeper() {
        if (config.RECOVERY_SWEEP_SECONDS <= 0) return;
        const sweeper = startRecoverySweeper(
          recovery,
          config.RECOVERY_SWEEP_SECONDS * 1000,
          logger.child({ module: 'recovery' }),
        );
        closers.push(() => sweeper.close());
      },
      async close() {
        for (const close of closers.splice(0).reverse())
          await close().catch((error: unknown) => logger.warn({ err: String(error) }, 'error while closing'));
      },
    };
    return container;
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw error;
  }
}

/** Just the database, tokens and model switches: for the CLI, which must not need S3 or Redis. */
export async function createAdminContainer(
  config: Config,
): Promise<{ tokens: TokenService; audit: AuditService; models: ModelActivationService; close(): Promise<void> }> {
  const database = await openDatabase({
    url: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    pgliteDir: config.DATABASE_URL ? undefined : path.join(config.dataDir, 'pglite'),
    connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    queryTimeoutMs: config.DATABASE_QUERY_TIMEOUT_MS,
  });
  const audit = new AuditRepository(database.db);
  const transactions = unitOfWork(database.db);
  return {
    tokens: new TokenService({
      tokens: new TokenRepository(database.db),
      organisations: new OrganisationRepository(database.db),
      audit,
      unitOfWork: transactions,
    }),
    audit: new AuditService(audit),
    models: new ModelActivationService({
      activations: new ModelActivationRepository(database.db),
      audit,
      unitOfWork: transactions,
    }),
    close: () => database.close(),
  };
}

/**
 * The database, the evidence key and (unless `withStorage` is false: checking an offline copy of
 * the checkpoints) S3: for the CLI's audit commands.
 */
export async function createAuditContainer(
  config: Config,
  logger: Logger,
  options: { withStorage: boolean },
): Promise<{ anchor: AuditAnchorService; close(): Promise<void> }> {
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse())
      await c().catch((error: unknown) => logger.warn({ err: String(error) }, 'error while closing'));
  };
  try {
    const noStorage = () => Promise.reject(new Error('S3 is not opened when checking an offline copy'));
    const storage = options.withStorage
      ? await openStorage(config, logger, closers)
      : { putAuditOnce: noStorage, listAudit: noStorage, getAudit: noStorage };
    const database = await openDatabase({
      url: config.DATABASE_URL,
      schema: config.DATABASE_SCHEMA,
      pgliteDir: config.DATABASE_URL ? undefined : path.join(config.dataDir, 'pglite'),
      connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
      queryTimeoutMs: config.DATABASE_QUERY_TIMEOUT_MS,
    });
    closers.push(() => database.close());
    const signingKeys = new SigningKeyRepository(database.db);
    const configuredKey = config.EVIDENCE_SIGNING_KEY_FILE
      ? await readFile(path.resolve(config.EVIDENCE_SIGNING_KEY_FILE), 'utf8')
      : undefined;
    const anchor = new AuditAnchorService({
      audit: new AuditRepository(database.db),
      storage,
      signingKey: await signingKeys.current(configuredKey),
      signingKeys,
      now: () => new Date(),
      logger,
    });
    return { anchor, close };
  } catch (error) {
    await close();
    throw error;
  }
}

interface TrainingContainer {
  tokens: TokenService;
  reviewed: ReviewedPhotoService;
  trainingExport: TrainingExportService;
  models: ModelActivationService;
  /** The model the API and workers would start with now. */
  activeModel: ActiveModel;
  close(): Promise<void>;
}

/**
 * The database and the originals, without Redis or workers: for the CLI's training export and
 * model evaluation, which read reviewed photos from storage.
 */
export async function createTrainingContainer(config: Config, logger: Logger): Promise<TrainingContainer> {
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse())
      await c().catch((error: unknown) => logger.warn({ err: String(error) }, 'error while closing'));
  };
  try {
    const storage = await openStorage(config, logger, closers);
    const database = await openDatabase({
      url: config.DATABASE_URL,
      schema: config.DATABASE_SCHEMA,
      pgliteDir: config.DATABASE_URL ? undefined : path.join(config.dataDir, 'pglite'),
      connectTimeoutMs: config.DATABASE_CONNECT_TIMEOUT_MS,
      queryTimeoutMs: config.DATABASE_QUERY_TIMEOUT_MS,
    });
    closers.push(() => database.close());
    const audit = new AuditRepository(database.db);
    const transactions = unitOfWork(database.db);
    const models = new ModelActivationService({
      activations: new ModelActivationRepository(database.db),
      audit,
      unitOfWork: transactions,
    });
    const activeModel = await models.resolveActive(config.MODEL_DIR);
    logModelChoice(logger, activeModel);
    const reviewed = new ReviewedPhotoService(new TrainingDataRepository(database.db), storage);
    return {
      tokens: new TokenService({
        tokens: new TokenRepository(database.db),
        organisations: new OrganisationRepository(database.db),
        audit,
        unitOfWork: transactions,
      }),
      reviewed,
      trainingExport: new TrainingExportService({
        reviewed,
        openDataset,
        audit,
        maxImagePixels: config.MAX_IMAGE_PIXELS,
      }),
      models,
      activeModel,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** S3 or MinIO when configured, else the embedded server under DATA_DIR (closed with the rest). */
async function openStorage(
  config: Config,
  logger: Logger,
  closers: Array<() => Promise<void>>,
): Promise<ObjectStorage> {
  let embedded: EmbeddedS3 | undefined;
  let storageSettings;
  if (config.S3_ENDPOINT) {
    const url = new URL(config.S3_ENDPOINT);
    storageSettings = {
      endPoint: url.hostname,
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      useSSL: url.protocol === 'https:',
      accessKey: config.S3_ACCESS_KEY!,
      secretKey: config.S3_SECRET_KEY!,
    };
  } else {
    embedded = await startEmbeddedS3(path.join(config.dataDir, 's3'), config.EMBEDDED_S3_PORT);
    closers.push(() => embedded!.close());
    storageSettings = {
      endPoint: embedded.endPoint,
      port: embedded.port,
      useSSL: false,
      accessKey: embedded.accessKey,
      secretKey: embedded.secretKey,
    };
    logger.info({ port: embedded.port, directory: path.join(config.dataDir, 's3') }, 'embedded S3 server started');
  }
  const publicUrl = config.S3_PUBLIC_ENDPOINT ? new URL(config.S3_PUBLIC_ENDPOINT) : undefined;
  const storage = new ObjectStorage({
    ...storageSettings,
    region: config.S3_REGION,
    originalsBucket: config.S3_BUCKET_ORIGINALS,
    derivedBucket: config.S3_BUCKET_DERIVED,
    auditBucket: config.S3_BUCKET_AUDIT,
    timeoutMs: config.S3_TIMEOUT_MS,
    publicEndpoint: publicUrl && {
      endPoint: publicUrl.hostname,
      port: Number(publicUrl.port || (publicUrl.protocol === 'https:' ? 443 : 80)),
      useSSL: publicUrl.protocol === 'https:',
    },
  });
  await storage.ensureBuckets();
  return storage;
}

/** Which model this process detects with, and why: an activation set aside is worth a warning. */
function logModelChoice(logger: Logger, active: ActiveModel): void {
  const fields = {
    model: `${active.card.name}@${active.card.version}`,
    sha256: active.card.sha256,
    directory: active.directory,
    source: active.source,
    reason: active.reason,
  };
  if (active.source === 'config' && active.activation)
    logger.warn(fields, 'activated model set aside; using MODEL_DIR');
  else logger.info(fields, 'model chosen');
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
