; switchyard.nsi: the Windows installer (NSIS 3)
;
; Installs the tree windows/build.sh stages (bin\switchyard.exe with the
; GTK runtime beside it, lib\, share\, etc\) for this user (no
; administrator needed, under %LOCALAPPDATA%\Programs) or for everyone
; (under Program Files): a page asks, or /CurrentUser and /AllUsers on the
; command line. Adds a Start-menu entry, an uninstaller in Apps & features,
; and, when its box is ticked, starting at logon through the user's Run
; key: the same value, "Switchyard", that the app's Settings switch
; writes (src/app/sy-autostart-win32.c), so each sees the other's.
;
; makensis -INPUTCHARSET UTF8 -DSTAGE=<dir> -DUNINSTALL_LIST=<file.nsh> -DICON=<file.ico>
;          -DVERSION=<x.y.z> -DOUTFILE=<setup.exe> windows/switchyard.nsi
; UNINSTALL_LIST deletes the staged files one by one
; (windows/nsis-uninstall-list.py writes it), so the uninstaller removes
; what was installed and nothing else of the folder.
;
; SPDX-License-Identifier: GPL-3.0-or-later

Unicode true
SetCompressor /SOLID lzma

!ifndef STAGE | UNINSTALL_LIST | ICON | VERSION | OUTFILE
  !error "define STAGE, UNINSTALL_LIST, ICON, VERSION and OUTFILE (see the top of the file)"
!endif

!define APP_NAME      "Switchyard"
!define APP_ID        "io.github.switchyard.Switchyard"
!define APP_EXE       "switchyard.exe"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_ID}"
!define RUN_KEY       "Software\Microsoft\Windows\CurrentVersion\Run"
!define APPROVED_KEY  "Software\Microsoft\Windows\CurrentVersion\Explorer\StartupApproved\Run"
!define RUN_VALUE     "Switchyard"

Name "${APP_NAME}"
OutFile "${OUTFILE}"
BrandingText "${APP_NAME} ${VERSION}"

; Per user or per machine (MultiUser.nsh ships with NSIS).
!define MULTIUSER_EXECUTIONLEVEL Highest
!define MULTIUSER_MUI
!define MULTIUSER_INSTALLMODE_COMMANDLINE
!define MULTIUSER_USE_PROGRAMFILES64
!define MULTIUSER_INSTALLMODE_INSTDIR "${APP_NAME}"
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_KEY "${UNINSTALL_KEY}"
!define MULTIUSER_INSTALLMODE_INSTDIR_REGISTRY_VALUENAME "InstallLocation"
!define MULTIUSER_INSTALLMODE_DEFAULT_REGISTRY_KEY "${UNINSTALL_KEY}"
!define MULTIUSER_INSTALLMODE_DEFAULT_REGISTRY_VALUENAME "InstallLocation"
!include MultiUser.nsh
!include MUI2.nsh
!include x64.nsh

!define MUI_ICON   "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN
!define MUI_FINISHPAGE_RUN_TEXT "Start ${APP_NAME} now"
!define MUI_FINISHPAGE_RUN_FUNCTION StartApp

!insertmacro MUI_PAGE_WELCOME
!insertmacro MULTIUSER_PAGE_INSTALLMODE
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_LANGUAGE "German"
!insertmacro MUI_LANGUAGE "SimpChinese"

; The file's own properties (Explorer > Properties > Details).
VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=0 "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=0 "FileDescription" "${APP_NAME} installer"
VIAddVersionKey /LANG=0 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "LegalCopyright" "GPL-3.0-or-later"

Function .onInit
  ; The program is 64-bit (MSYS2 UCRT64).
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "${APP_NAME} needs 64-bit Windows."
    Abort
  ${EndIf}
  !insertmacro MULTIUSER_INIT
  !insertmacro MUI_LANGDLL_DISPLAY
FunctionEnd

; Through Explorer: the app starts as the user, not with the installer's
; administrator rights (a per-machine install runs elevated).
Function StartApp
  Exec '"$WINDIR\explorer.exe" "$INSTDIR\bin\${APP_EXE}"'
FunctionEnd

Function un.onInit
  !insertmacro MULTIUSER_UNINIT
FunctionEnd

Section "!${APP_NAME}" SecApp
  SectionIn RO
  SetOutPath "$INSTDIR"
  File /r "${STAGE}/*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  ; $SMPROGRAMS is this user's or everyone's, as MultiUser set the context.
  CreateShortCut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\bin\${APP_EXE}" "" \
    "$INSTDIR\share\${APP_ID}.ico"

  ; Apps & features. SHCTX: HKCU per user, HKLM per machine.
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "Publisher" "The Switchyard authors"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\share\${APP_ID}.ico"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "UninstallString" \
    '"$INSTDIR\uninstall.exe" /$MultiUser.InstallMode'
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "QuietUninstallString" \
    '"$INSTDIR\uninstall.exe" /$MultiUser.InstallMode /S'
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

; The user's own Run key, also in a per-machine install: the app's switch
; reads and writes that one. The path is quoted, as the app writes it.
Section "Start ${APP_NAME} when I log in" SecAutostart
  WriteRegStr HKCU "${RUN_KEY}" "${RUN_VALUE}" '"$INSTDIR\bin\${APP_EXE}"'
  ; Switched off in Task Manager before: on again, as asked.
  DeleteRegValue HKCU "${APPROVED_KEY}" "${RUN_VALUE}"
SectionEnd

LangString DESC_SecApp ${LANG_ENGLISH} "The tray app and the proxy, with the GTK runtime."
LangString DESC_SecApp ${LANG_GERMAN} "Die Tray-App und der Proxy, mit der GTK-Laufzeitumgebung."
LangString DESC_SecApp ${LANG_SIMPCHINESE} "托盘应用和代理，以及 GTK 运行时。"
LangString DESC_SecAutostart ${LANG_ENGLISH} "Start ${APP_NAME} in the tray when you log in to Windows (also a switch in its Settings)."
LangString DESC_SecAutostart ${LANG_GERMAN} "${APP_NAME} beim Anmelden bei Windows im Infobereich starten (auch ein Schalter in den Einstellungen)."
LangString DESC_SecAutostart ${LANG_SIMPCHINESE} "登录 Windows 时在托盘中启动 ${APP_NAME}（设置中也有此开关）。"
!insertmacro MUI_FUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecApp} $(DESC_SecApp)
  !insertmacro MUI_DESCRIPTION_TEXT ${SecAutostart} $(DESC_SecAutostart)
!insertmacro MUI_FUNCTION_DESCRIPTION_END

Section "Uninstall"
  ; The running app holds its files open.
  nsExec::Exec 'taskkill /IM ${APP_EXE} /F'
  Pop $0

  !include /CHARSET=UTF8 "${UNINSTALL_LIST}"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"

  Delete "$SMPROGRAMS\${APP_NAME}.lnk"
  DeleteRegKey SHCTX "${UNINSTALL_KEY}"
  ; This user's autostart (other users' Run keys are theirs to clear:
  ; the entry is then a path that is gone, which Windows skips).
  DeleteRegValue HKCU "${RUN_KEY}" "${RUN_VALUE}"
  DeleteRegValue HKCU "${APPROVED_KEY}" "${RUN_VALUE}"
SectionEnd
