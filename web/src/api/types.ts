/**
 * The API's answers by the names the app uses, all taken from ./schema.d.ts, which is generated from
 * the server's zod contracts (npm run gen:api-types). Nothing here restates a field: a change to the
 * API shows up as a type error in the app instead of a silent drift.
 */
import type { Role } from '../../../pipeline/domain/roles.js';
import type { paths } from './schema.js';

type Prefix = '/api/v1';
type Prefixed<P extends string> = `${Prefix}${P}`;
/** A route's path as the app calls it (api() adds /api/v1), with parameters as the document spells them. */
type ApiPath = keyof paths extends infer K ? (K extends Prefixed<infer P> ? P : never) : never;
type Method = 'get' | 'post' | 'put' | 'delete';
type Operation<P extends ApiPath, M extends Method> = paths[Prefixed<P>][M];

type JsonOf<C> = C extends { 'application/json': infer T }
  ? T
  : C extends { 'application/geo+json': infer T }
    ? T
    : never;
/** The JSON body a route answers with for one status (200 unless told). */
export type ResponseOf<P extends ApiPath, M extends Method, S extends number = 200> =
  Operation<P, M> extends { responses: { [K in S]: { content: infer C } } } ? JsonOf<C> : never;

/** The JSON body a route takes. */
export type RequestOf<P extends ApiPath, M extends Method> =
  Operation<P, M> extends { requestBody: { content: { 'application/json': infer T } } } ? T : never;

// /me declares the role as a string; the roles themselves are the shared domain's.
export type Me = Omit<ResponseOf<'/me', 'get'>, 'role'> & { role: Role };
export type { Role };

export type ModelCard = ResponseOf<'/model', 'get'>;
export type ModelList = ResponseOf<'/models', 'get'>;
export type ModelState = ModelList['items'][number];
export type ModelClassState = ModelState['classes'][number];
/** problem+json, as every route answers a refusal (the 400 of any validated route). */
export type ApiProblem = Operation<'/review/queue', 'get'>['responses'][400]['content']['application/problem+json'];

export type FlightPage = ResponseOf<'/flights', 'get'>;
export type FlightStatus = ResponseOf<'/flights/{flightId}', 'get'>;

export type ImageDetail = ResponseOf<'/images/{imageId}', 'get'>;
export type Image = ImageDetail['image'];
export type OriginalUrl = ResponseOf<'/images/{imageId}/original', 'get'>;
export type NewMissedHazard = RequestOf<'/images/{imageId}/missed-hazards', 'post'>;

export type QueuePage = ResponseOf<'/review/queue', 'get'>;
export type QueueItem = QueuePage['items'][number];
export type Finding = ResponseOf<'/findings/{findingId}', 'get'>;
export type LeaseTaken = ResponseOf<'/findings/{findingId}/lease', 'post'>;
export type Decision = RequestOf<'/findings/{findingId}/decision', 'post'>;
export type DecisionResult = ResponseOf<'/findings/{findingId}/decision', 'post', 201>;
export type FindingHistory = ResponseOf<'/findings/{findingId}/history', 'get'>;
export type HistoryEvent = FindingHistory['items'][number];
export type Revision = RequestOf<'/findings/{findingId}/revise', 'post'>;

export type Site = ResponseOf<'/sites/{siteId}', 'get'>;
export type SitePage = ResponseOf<'/sites', 'get'>;
export type GeoJsonCollection = ResponseOf<'/sites/geojson', 'get'>;

export type Case = ResponseOf<'/cases', 'get'>['items'][number];
export type CasePage = ResponseOf<'/cases', 'get'>;
export type CaseStatus = Case['status'];
export type CaseDetail = ResponseOf<'/cases/{caseId}', 'get'>;
// The contract declares siteDetail an open record ("the liable site in full"); api/serialize.ts fills it with these fields of the site.
export type CaseSiteDetail = Pick<Site, 'id' | 'name' | 'creditCode' | 'industry' | 'regionCode' | 'contact'>;
export type CaseSummary = ResponseOf<'/cases/summary', 'get'>;
export type Attachment = ResponseOf<'/cases/{caseId}/attachments/{filename}', 'put', 201>;
export type SiteCandidates = ResponseOf<'/cases/{caseId}/site-candidates', 'get'>;

export type OperationsOverview = ResponseOf<'/admin/operations', 'get'>;
export type FailedPhoto = OperationsOverview['failed'][number];

export type FlightImages = ResponseOf<'/flights/{flightId}/images', 'get'>;
export type UploadedImage = ResponseOf<'/flights/{flightId}/images/{filename}', 'put', 201>;
export type CreatedFlight = ResponseOf<'/flights', 'post', 201>;
export type OrganisationRegion = ResponseOf<'/organisation/region', 'get'>;

export type AdminUser = ResponseOf<'/admin/users', 'get'>['items'][number];
export type AdminToken = ResponseOf<'/admin/tokens', 'get'>['items'][number];
export type IssuedToken = ResponseOf<'/admin/users/{userId}/tokens', 'post', 201>;
