import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

export interface BackofficeRoute {
  method: 'GET' | 'POST';
  path: string;
  /** the handler, to read its metadata (@Roles, @Public) */
  handler: (...args: never[]) => unknown;
  controller: new (...args: never[]) => unknown;
}

/** Every route the back office serves, read from the controllers' metadata: a route added later is tried too. */
export function allRoutes(app: NestFastifyApplication): BackofficeRoute[] {
  const routes: BackofficeRoute[] = [];
  for (const module of app.get(ModulesContainer, { strict: false }).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller) {
        continue;
      }
      const base = (Reflect.getMetadata(PATH_METADATA, controller) as string | undefined) ?? '';
      const proto = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (typeof handler !== 'function') {
          continue;
        }
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (path === undefined || method === undefined) {
          continue;
        }
        for (const p of Array.isArray(path) ? path : [path]) {
          const full = `/${[base, p]
            .map((s) => s.replace(/^\/+|\/+$/g, ''))
            .filter(Boolean)
            .join('/')}`;
          if (method !== RequestMethod.GET && method !== RequestMethod.POST) {
            // the back office serves pages and forms only: another method must be added to the tests first
            throw new Error(
              `${controller.name}.${name}: ${RequestMethod[method]} ${full} is not tested`,
            );
          }
          routes.push({
            method: method === RequestMethod.GET ? 'GET' : 'POST',
            path: full,
            handler: handler as (...args: never[]) => unknown,
            controller,
          });
        }
      }
    }
  }
  return routes;
}
