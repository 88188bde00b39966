// Operations of the teams API that the web app uses before they appear in
// openapi.json. They follow the shape openapi-typescript generates, so the
// client treats them like generated ones; once `make api-types` brings the
// real ones, an entry here is deleted and the compiler points at any
// difference.

type Json<T> = { content: { 'application/json': T } };
type NoParams = { query?: never; header?: never; path?: never; cookie?: never };
type PathParams<P> = { query?: never; header?: never; path: P; cookie?: never };

/** A role in a team, most powerful first. */
export type Role = 'owner' | 'admin' | 'product_owner' | 'scrum_master' | 'member' | 'observer';

/** Where a team space is in its life. */
export type TeamState = 'creating' | 'active' | 'suspended' | 'archived' | 'deleted';

/** A team space. */
export interface Team {
  id: string;
  slug: string;
  name: string;
  state: TeamState;
  created_by: string;
  created_at: string;
  updated_at: string;
  version: number;
}

/** One of the caller's teams, with the caller's role in it. */
export interface MyTeam {
  id: string;
  slug: string;
  name: string;
  state: TeamState;
  role: Role;
}

/** An invitation waiting for the signed-in account. */
export interface PendingInvitation {
  id: string;
  team_id: string;
  team_slug: string;
  team_name: string;
  email: string;
  role: Role;
  invited_by: string;
  created_at: string;
  expires_at: string;
  status: 'pending' | 'accepted' | 'revoked' | 'expired';
  version: number;
}

/** Whether a team address can be taken. */
export interface SlugCheck {
  slug: string;
  available: boolean;
  reason?: string;
}

export interface PendingPaths {
  '/api/v1/teams': {
    parameters: NoParams;
    get: {
      parameters: NoParams;
      requestBody?: never;
      responses: { 200: Json<{ teams: MyTeam[] | null; next_cursor?: string }> };
    };
    post: {
      parameters: NoParams;
      requestBody: Json<{ name: string; slug: string }>;
      responses: { 201: Json<Team> };
    };
  };
  '/api/v1/teams/{team}': {
    parameters: PathParams<{ team: string }>;
    get: {
      parameters: PathParams<{ team: string }>;
      requestBody?: never;
      responses: { 200: Json<Team & { role?: Role }> };
    };
  };
  '/api/v1/slugs/{slug}': {
    parameters: PathParams<{ slug: string }>;
    get: {
      parameters: PathParams<{ slug: string }>;
      requestBody?: never;
      responses: { 200: Json<SlugCheck> };
    };
  };
  '/api/v1/invitations': {
    parameters: NoParams;
    get: {
      parameters: NoParams;
      requestBody?: never;
      responses: { 200: Json<{ invitations: PendingInvitation[] | null }> };
    };
  };
  '/api/v1/invitations/accept': {
    parameters: NoParams;
    post: {
      parameters: NoParams;
      requestBody: Json<{ token: string }>;
      responses: { 200: Json<{ team: MyTeam }> };
    };
  };
}
