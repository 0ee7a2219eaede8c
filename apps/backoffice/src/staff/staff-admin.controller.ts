import {
  Body,
  Controller,
  Get,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Render,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { StaffContext } from '../auth/staff-context';
import { FormCatalog } from '../forms/form-catalog';
import { staffAdminErrorMessage } from '../web/error-messages';
import { Roles } from '../web/roles';
import { CurrentStaff, SessionGuard } from '../web/session.guard';
import { StaffAdminError, StaffAdminErrorCode } from './staff-admin.error';
import { StaffAdminService } from './staff-admin.service';
import { StaffService } from './staff.service';
import { roleChoices, toStaffRow } from './to-staff-view.mapper';

interface StaffForm {
  loginId?: unknown;
  displayName?: unknown;
  role?: unknown;
  departments?: unknown;
}
interface SettingForm {
  isTotpRequired?: unknown;
}

const uuid = new ParseUUIDPipe({ errorHttpStatusCode: 404 });
const typed = (v: unknown): string => (typeof v === 'string' ? v.slice(0, 200) : '');

/** A 管理者's pages for the staff accounts of their municipality (issue 5 §9). */
@Controller('admin')
@UseGuards(SessionGuard)
@Roles('admin')
export class StaffAdminController {
  constructor(
    @Inject(StaffAdminService) private readonly admin: StaffAdminService,
    @Inject(StaffService) private readonly staffService: StaffService,
    @Inject(FormCatalog) private readonly forms: FormCatalog,
  ) {}

  /** The 担当課 of the municipality's forms: what a reviewer can be assigned to. */
  private departmentsOf(staff: StaffContext): string[] {
    const names = new Set(this.forms.formsOf(staff.municipalityCode).map((f) => f.department.ja));
    return [...names].sort((a, b) => a.localeCompare(b, 'ja'));
  }

  private departmentChoices(staff: StaffContext, chosen: readonly string[]) {
    const all = [...new Set([...this.departmentsOf(staff), ...chosen])];
    return all.map((name, i) => ({ name, index: i, isChecked: chosen.includes(name) }));
  }

  @Get('staff')
  @Render('admin/staff-list')
  async list(@CurrentStaff() staff: StaffContext, @Query('changed') changed?: string) {
    const [users, municipality] = await Promise.all([
      this.admin.list(staff),
      this.admin.municipality(staff),
    ]);
    const now = new Date();
    return {
      ...(await this.staffService.pageFrame(staff)),
      pageTitle: { ja: '職員の管理', en: 'Staff accounts' },
      rows: users.map((u) => toStaffRow(u, now)),
      isTotpRequired: municipality.isTotpRequired,
      isSettingChanged: changed === 'setting',
    };
  }

  @Post('settings')
  async setting(
    @CurrentStaff() staff: StaffContext,
    @Body() form: SettingForm,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.admin.setTotpRequired(staff, form.isTotpRequired === 'on');
    await reply.redirect('/admin/staff?changed=setting', 303);
  }

  @Get('staff/new')
  async newPage(@CurrentStaff() staff: StaffContext, @Res() reply: FastifyReply): Promise<void> {
    await this.admin.list(staff); // the role check, before anything is shown
    await reply.view('admin/staff-new', await this.newModel(staff, {}));
  }

  @Post('staff')
  async create(
    @CurrentStaff() staff: StaffContext,
    @Body() form: StaffForm,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    try {
      const { user, password } = await this.admin.create(staff, form, this.departmentsOf(staff));
      await reply
        .code(200)
        .header('cache-control', 'no-store')
        .view('admin/one-time-password', {
          ...(await this.staffService.pageFrame(staff)),
          isNew: true,
          user: { id: user.id, loginId: user.loginId, displayName: user.displayName },
          password,
        });
    } catch (e) {
      if (!isFormError(e)) {
        throw e;
      }
      await reply.code(400).view('admin/staff-new', {
        ...(await this.newModel(staff, form)),
        error: staffAdminErrorMessage(e.code),
      });
    }
  }

  @Get('staff/:id')
  async editPage(
    @CurrentStaff() staff: StaffContext,
    @Param('id', uuid) id: string,
    @Query('changed') changed: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await reply.view('admin/staff-edit', { ...(await this.editModel(staff, id)), changed });
  }

  @Post('staff/:id')
  async update(
    @CurrentStaff() staff: StaffContext,
    @Param('id', uuid) id: string,
    @Body() form: StaffForm,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.act(
      staff,
      id,
      reply,
      'saved',
      () => this.admin.update(staff, id, form, this.departmentsOf(staff)),
      form,
    );
  }

  @Post('staff/:id/disable')
  async disable(
    @CurrentStaff() staff: StaffContext,
    @Param('id', uuid) id: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.act(staff, id, reply, 'disabled', () => this.admin.setDisabled(staff, id, true));
  }

  @Post('staff/:id/enable')
  async enable(
    @CurrentStaff() staff: StaffContext,
    @Param('id', uuid) id: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.act(staff, id, reply, 'enabled', () => this.admin.setDisabled(staff, id, false));
  }

  @Post('staff/:id/totp-reset')
  async resetTotp(
    @CurrentStaff() staff: StaffContext,
    @Param('id', uuid) id: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.act(staff, id, reply, 'totp', () => this.admin.resetTotp(staff, id));
  }

  @Post('staff/:id/password-reset')
  async resetPassword(
    @CurrentStaff() staff: StaffContext,
    @Param('id', uuid) id: string,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { user, password } = await this.admin.resetPassword(staff, id);
    await reply
      .code(200)
      .header('cache-control', 'no-store')
      .view('admin/one-time-password', {
        ...(await this.staffService.pageFrame(staff)),
        isNew: false,
        user: { id: user.id, loginId: user.loginId, displayName: user.displayName },
        password,
      });
  }

  /** Runs a change; a refused one shows the account's page again with the reason (nothing was changed). */
  private async act(
    staff: StaffContext,
    id: string,
    reply: FastifyReply,
    changed: string,
    change: () => Promise<unknown>,
    form?: StaffForm,
  ): Promise<void> {
    try {
      await change();
      await reply.redirect(`/admin/staff/${id}?changed=${changed}`, 303);
    } catch (e) {
      if (!isFormError(e)) {
        throw e;
      }
      const model = await this.editModel(staff, id);
      await reply.code(400).view('admin/staff-edit', {
        ...model,
        ...(form
          ? {
              displayName: typed(form.displayName),
              roles: roleChoices(typeof form.role === 'string' ? form.role : undefined),
              departments: this.departmentChoices(staff, chosenOf(form)),
            }
          : {}),
        error: staffAdminErrorMessage(e.code),
      });
    }
  }

  private async editModel(staff: StaffContext, id: string) {
    const user = await this.admin.get(staff, id);
    return {
      ...(await this.staffService.pageFrame(staff)),
      pageTitle: { ja: '職員の編集', en: 'Edit staff account' },
      user: toStaffRow(user, new Date()),
      displayName: user.displayName,
      roles: roleChoices(user.role),
      departments: this.departmentChoices(staff, user.departments),
      isSelf: user.id === staff.id,
    };
  }

  private async newModel(staff: StaffContext, form: StaffForm) {
    return {
      ...(await this.staffService.pageFrame(staff)),
      pageTitle: { ja: '職員の追加', en: 'Add a staff account' },
      loginId: typed(form.loginId),
      displayName: typed(form.displayName),
      roles: roleChoices(typeof form.role === 'string' ? form.role : 'reviewer'),
      departments: this.departmentChoices(staff, chosenOf(form)),
    };
  }
}

const chosenOf = (form: StaffForm): string[] =>
  (Array.isArray(form.departments) ? form.departments : [form.departments]).filter(
    (d): d is string => typeof d === 'string',
  );

/** Errors the person can fix on the same page; NotFound and NotPermitted go to the error page (404 / 403). */
function isFormError(e: unknown): e is StaffAdminError {
  return (
    e instanceof StaffAdminError &&
    e.code !== StaffAdminErrorCode.NotFound &&
    e.code !== StaffAdminErrorCode.NotPermitted
  );
}
