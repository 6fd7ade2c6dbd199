import path from 'node:path';
import { type ActivationCheck, chooseModel } from '../domain/model-activation.js';
import { UnprocessableError } from '../domain/errors.js';
import { hazardClassesOf, loadModel, type ModelCard, ModelLoadError, readModelCard } from '../inference/load.js';
import type { AuditRepository } from '../repositories/audit.js';
import type { ModelActivationRepository, ModelActivationRow } from '../repositories/model-activations.js';
import type { UnitOfWork } from '../repositories/unit-of-work.js';

export interface ActiveModel {
  /** Absolute path of the model directory (or .onnx file) the processes load. */
  directory: string;
  card: ModelCard;
  source: 'activation' | 'config';
  /** Why this one, in words for the log and the CLI. */
  reason: string;
  /** The newest activation, also when it was set aside. */
  activation: ModelActivationRow | undefined;
}

const identity = (card: ModelCard) => ({ name: card.name, version: card.version, sha256: card.sha256 });

interface ModelActivationServiceOptions {
  activations: ModelActivationRepository;
  audit: AuditRepository;
  unitOfWork: UnitOfWork;
}

/**
 * Switching the deployment's model. Processes read the choice at start-up, so a switch takes effect
 * when the API and workers are next started; photos processed before keep their detections and
 * the model that made them.
 */
export class ModelActivationService {
  private readonly activations: ModelActivationRepository;
  private readonly audit: AuditRepository;
  private readonly unitOfWork: UnitOfWork;

  constructor(options: ModelActivationServiceOptions) {
    this.activations = options.activations;
    this.audit = options.audit;
    this.unitOfWork = options.unitOfWork;
  }

  /** The newest activation while its directory holds the very file activated; else `configDir` (MODEL_DIR). */
  async resolveActive(configDir: string): Promise<ActiveModel> {
    const activation = await this.activations.newest();
    let found: ActivationCheck | undefined;
    let card: ModelCard | undefined;
    if (activation) {
      try {
        card = await readModelCard(activation.directory);
        found = { sha256: card.sha256 };
      } catch (error) {
        found = { error: (error as Error).message };
      }
    }
    const choice = chooseModel(activation, found);
    if (choice.use === 'activation')
      return { directory: activation!.directory, card: card!, source: 'activation', reason: choice.reason, activation };
    const directory = path.resolve(configDir);
    return { directory, card: await readModelCard(directory), source: 'config', reason: choice.reason, activation };
  }

  /**
   * Records a switch to the model in `directory` after the same checks start-up makes (it opens,
   * passes the probe run and flags at least one hazard), so a refused model is refused now and not
   * at the next restart. Audited, with the model it replaces.
   */
  async activate(input: {
    directory: string;
    note: string | null;
    by: string;
    configDir: string;
  }): Promise<{ row: ModelActivationRow; replaced: ActiveModel }> {
    const directory = path.resolve(input.directory);
    let card: ModelCard;
    try {
      const runner = await loadModel(directory, { intraOpThreads: 1 });
      await runner.release();
      card = await readModelCard(directory);
      hazardClassesOf(card);
    } catch (error) {
      if (error instanceof ModelLoadError) throw new UnprocessableError(`not activated: ${error.message}`);
      throw error;
    }
    const replaced = await this.resolveActive(input.configDir);
    // Recorded with its audit entry in one transaction: a switch without its entry never happened.
    const row = await this.unitOfWork.withTransaction(async (tx) => {
      const added = await this.activations.insert(tx, {
        modelName: card.name,
        modelVersion: card.version,
        sha256: card.sha256,
        directory,
        activatedBy: input.by,
        note: input.note,
      });
      await this.audit.append(
        {
          actor: input.by,
          action: 'model.activated',
          subjectType: 'model',
          subjectId: card.sha256,
          detail: {
            activationId: added.id,
            model: identity(card),
            directory,
            note: input.note,
            replaced: { ...identity(replaced.card), directory: replaced.directory, source: replaced.source },
          },
        },
        tx,
      );
      return added;
    });
    return { row, replaced };
  }

  list(limit?: number): Promise<ModelActivationRow[]> {
    return this.activations.list(limit);
  }

  /**
   * An evaluation reads a bureau's evidence photos and may justify a switch: the trail keeps who
   * ran it, on what, and the headline figures.
   */
  async recordEvaluation(input: {
    by: string;
    organisationId: string;
    since: string | null;
    until: string | null;
    photos: number;
    models: Array<{ role: string; card: ModelCard; directory: string; summary: Record<string, number> }>;
  }): Promise<void> {
    const candidate = input.models.find((m) => m.role === 'candidate') ?? input.models[0]!;
    await this.audit.append({
      actor: input.by,
      action: 'model.evaluated',
      subjectType: 'model',
      subjectId: candidate.card.sha256,
      detail: {
        organisationId: input.organisationId,
        since: input.since,
        until: input.until,
        photos: input.photos,
        models: input.models.map((m) => ({ role: m.role, ...identity(m.card), directory: m.directory, ...m.summary })),
      },
    });
  }
}
