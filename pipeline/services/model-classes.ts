import { checkClassChange, classesNotLive, classLiveness, type LiveDecidedBy } from '../domain/class-settings.js';
import { NotFoundError } from '../domain/errors.js';
import type { Principal } from '../domain/roles.js';
import type { ModelCard } from '../inference/load.js';
import type { ModelClass } from '../inference/manifest.js';
import type { AuditRepository } from '../repositories/audit.js';
import type { ClassSettingRepository, ClassSettingRow } from '../repositories/class-settings.js';
import type { UnitOfWork } from '../repositories/unit-of-work.js';

export interface ClassOverrideView {
  enabled: boolean;
  note: string;
  changedBy: { userId: string; name: string };
  changedAt: Date;
}

export interface ModelClassView extends ModelClass {
  /** Whether its detections become findings for review in the caller's organisation. */
  live: boolean;
  decidedBy: LiveDecidedBy;
  override: ClassOverrideView | null;
}

export interface ModelView {
  name: string;
  version: string;
  file: string;
  sha256: string;
  /** The model the workers detect with. */
  active: boolean;
  classes: ModelClassView[];
}

/** Which classes an organisation reviews: what the findings merge asks before making findings. */
export interface LiveClasses {
  /** Names of the active model's classes whose detections are stored but not reviewed. */
  notLive(organisationId: string): Promise<string[]>;
}

/**
 * The active model's classes as an organisation sees them: the manifest's default (a class with too
 * little real evidence ships disabled) and the organisation's admin's override of it.
 */
interface ModelClassServiceOptions {
  /** The active model. */
  model: ModelCard;
  settings: ClassSettingRepository;
  audit: AuditRepository;
  unitOfWork: UnitOfWork;
}

export class ModelClassService implements LiveClasses {
  private readonly model: ModelCard;
  private readonly settings: ClassSettingRepository;
  private readonly audit: AuditRepository;
  private readonly unitOfWork: UnitOfWork;

  constructor(options: ModelClassServiceOptions) {
    this.model = options.model;
    this.settings = options.settings;
    this.audit = options.audit;
    this.unitOfWork = options.unitOfWork;
  }

  async models(principal: Principal): Promise<ModelView[]> {
    const overrides = await this.overrides(principal.organisationId);
    const { name, version, file, sha256 } = this.model;
    return [
      {
        name,
        version,
        file,
        sha256,
        active: true,
        classes: this.model.classes.map((c) => view(c, overrides.get(c.name))),
      },
    ];
  }

  async notLive(organisationId: string): Promise<string[]> {
    const overrides = await this.overrides(organisationId);
    return classesNotLive(this.model.classes, overrides);
  }

  /** Enables or disables a class for the caller's organisation, audited with the note. */
  async setEnabled(
    principal: Principal,
    modelName: string,
    className: string,
    change: { enabled: boolean; note: string },
  ): Promise<ModelClassView> {
    if (modelName !== this.model.name)
      throw new NotFoundError(`no model ${modelName}: the active model is ${this.model.name}`);
    const cls = this.model.classes.find((c) => c.name === className);
    if (!cls) throw new NotFoundError(`model ${modelName} has no class ${className}`);
    checkClassChange(cls, change);
    const note = change.note.trim();
    const input = {
      organisationId: principal.organisationId,
      modelName,
      className,
      enabled: change.enabled,
      note,
      changedBy: { userId: principal.userId, name: principal.name },
    };
    // One transaction, so no class goes live (or stops) without the entry that says who did it and
    // why; the override is locked, so the entry names the one it replaced, not one another admin
    // just wrote.
    const row = await this.unitOfWork.withTransaction(async (tx) => {
      const previous = await this.settings.lock(tx, input);
      const saved = await this.settings.upsert(tx, input);
      await this.audit.append(
        {
          actor: `${principal.role}:${principal.name}`,
          action: change.enabled ? 'model.class_enabled' : 'model.class_disabled',
          subjectType: 'model_class',
          subjectId: `${modelName}/${className}`,
          detail: {
            organisationId: principal.organisationId,
            userId: principal.userId,
            model: { name: this.model.name, version: this.model.version, sha256: this.model.sha256 },
            className,
            hazardCode: cls.hazardCode,
            enabled: change.enabled,
            note,
            enabledByDefault: cls.enabledByDefault,
            disabledReason: cls.disabledReason,
            previous: previous
              ? {
                  enabled: previous.enabled,
                  note: previous.note,
                  changedBy: previous.changedByName,
                  changedAt: previous.changedAt,
                }
              : null,
          },
        },
        tx,
      );
      return saved;
    });
    return view(cls, row);
  }

  private async overrides(organisationId: string): Promise<Map<string, ClassSettingRow>> {
    return new Map((await this.settings.forOrganisation(organisationId, this.model.name)).map((r) => [r.className, r]));
  }
}

function view(cls: ModelClass, row: ClassSettingRow | undefined): ModelClassView {
  return {
    ...cls,
    ...classLiveness(cls, row),
    override: row
      ? {
          enabled: row.enabled,
          note: row.note,
          changedBy: { userId: row.changedByUser, name: row.changedByName },
          changedAt: row.changedAt,
        }
      : null,
  };
}
