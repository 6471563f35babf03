; NSIS installer for the PacketStage one-folder bundle (PyInstaller's dist\packetstage\).
; From the repository root (PowerShell):
;
;   makensis /V2 /WX /DVERSION=0.1.0 /DSRCDIR=$PWD\dist\packetstage /DOUTFILE=$PWD\dist\PacketStage-0.1.0-setup.exe `
;            /DICON=$PWD\build\icons\packetstage.ico packaging\windows\packetstage.nsi
;
; makensis changes into this file's folder, so relative paths in the defines are relative to
; packaging\windows: pass absolute ones. Every define has a default (the paths above, written
; relative to this folder; VERSION 0.0.0, so pass it: CI passes the one in pyproject.toml).
; Installs per machine into "Program Files\PacketStage" (64-bit only), adds a Start-menu
; shortcut, an optional desktop shortcut, an Add/Remove Programs entry, and offers PacketStage in
; "Open with" for .yaml/.yml files without taking over their default handler.

Unicode true
ManifestDPIAware true
SetCompressor /SOLID lzma

!ifndef VERSION
  !define VERSION "0.0.0"
!endif
!ifndef SRCDIR
  !define SRCDIR "..\..\dist\packetstage"
!endif
!ifndef OUTFILE
  !define OUTFILE "..\..\dist\PacketStage-${VERSION}-setup.exe"
!endif
!ifndef ICON
  !define ICON "..\..\build\icons\packetstage.ico"
!endif
!ifndef LICENSEFILE
  !define LICENSEFILE "..\..\LICENSE"
!endif

!define APPNAME "PacketStage"
!define PUBLISHER "The PacketStage authors"
!define EXENAME "packetstage.exe"
!define PROGID "PacketStage.Scene"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APPNAME}"
!define SHCNE_ASSOCCHANGED 0x08000000
!define SHCNF_IDLIST 0

; Fail at compile time, with a clear message, when the bundle was not built.
!if /FileExists "${SRCDIR}\${EXENAME}"
!else
  !error "${SRCDIR}\${EXENAME} not found: build the bundle first (pyinstaller --noconfirm packaging/packetstage.spec) or pass /DSRCDIR=..."
!endif

; The Windows version resource needs four numbers: 0.2.0rc1 -> 0.2.0.0 (atoi on each part).
!searchparse /noerrors "${VERSION}" "" VER_A "." VER_B "." VER_C
!ifndef VER_B
  !define VER_B 0
!endif
!ifndef VER_C
  !define VER_C 0
!endif
!define /math VER_A_N ${VER_A} + 0
!define /math VER_B_N ${VER_B} + 0
!define /math VER_C_N ${VER_C} + 0

Name "${APPNAME}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APPNAME}"
RequestExecutionLevel admin
BrandingText "${APPNAME} ${VERSION}"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"
!include "x64.nsh"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_SMALLDESC

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_LICENSE "${LICENSEFILE}"
!insertmacro MUI_PAGE_COMPONENTS
!define MUI_PAGE_CUSTOMFUNCTION_LEAVE DirectoryLeave
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

VIProductVersion "${VER_A_N}.${VER_B_N}.${VER_C_N}.0"
VIFileVersion "${VER_A_N}.${VER_B_N}.${VER_C_N}.0"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductName" "${APPNAME}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileDescription" "${APPNAME} ${VERSION} Setup"
VIAddVersionKey /LANG=${LANG_ENGLISH} "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "LegalCopyright" "MIT License, ${PUBLISHER}"

; The uninstaller removes the whole install folder, so only ever install into a folder that is
; empty, missing, or an earlier PacketStage install. Sets $0 to "ok" or to the reason.
Function CheckInstDir
  StrCpy $0 "ok"
  ${If} ${FileExists} "$INSTDIR\${EXENAME}"
    Return
  ${EndIf}
  ${DirState} "$INSTDIR" $1
  ${If} $1 == 1
    StrCpy $0 "$INSTDIR is not empty. Choose an empty folder, or the folder of an earlier PacketStage installation."
  ${EndIf}
FunctionEnd

Function DirectoryLeave
  Call CheckInstDir
  ${If} $0 != "ok"
    MessageBox MB_OK|MB_ICONEXCLAMATION "$0"
    Abort
  ${EndIf}
FunctionEnd

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_OK|MB_ICONSTOP "${APPNAME} needs 64-bit Windows." /SD IDOK
    SetErrorLevel 2
    Quit
  ${EndIf}
  SetRegView 64
  ; Offer the folder of an earlier install, unless /D= chose one.
  ReadRegStr $0 HKLM "${UNINSTKEY}" "InstallLocation"
  ${If} $0 != ""
  ${AndIf} $INSTDIR == "$PROGRAMFILES64\${APPNAME}"
    StrCpy $INSTDIR $0
  ${EndIf}
  ${If} ${Silent}
    Call CheckInstDir
    ${If} $0 != "ok"
      SetErrorLevel 2
      Quit
    ${EndIf}
  ${EndIf}
FunctionEnd

Section "${APPNAME} (required)" SecMain
  SectionIn RO
  SetShellVarContext all
  ; An upgrade replaces the old bundle entirely, so no stale libraries stay behind.
  ${If} ${FileExists} "$INSTDIR\${EXENAME}"
    RMDir /r "$INSTDIR"
  ${EndIf}
  SetOutPath "$INSTDIR"
  File /r "${SRCDIR}\*"
  File "/oname=packetstage.ico" "${ICON}"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateShortCut "$SMPROGRAMS\${APPNAME}.lnk" "$INSTDIR\${EXENAME}" "" "$INSTDIR\packetstage.ico"

  WriteRegStr HKLM "${UNINSTKEY}" "DisplayName" "${APPNAME}"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTKEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\packetstage.ico"
  WriteRegStr HKLM "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTKEY}" "UninstallString" "$\"$INSTDIR\uninstall.exe$\""
  WriteRegStr HKLM "${UNINSTKEY}" "QuietUninstallString" "$\"$INSTDIR\uninstall.exe$\" /S"
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKLM "${UNINSTKEY}" "EstimatedSize" $0
SectionEnd

Section "Offer PacketStage in $\"Open with$\" for .yaml files" SecAssoc
  ; A ProgID of our own, listed under OpenWithProgids: the default handler of .yaml stays as it was.
  WriteRegStr HKLM "Software\Classes\${PROGID}" "" "PacketStage scene"
  WriteRegStr HKLM "Software\Classes\${PROGID}" "FriendlyTypeName" "PacketStage scene"
  WriteRegStr HKLM "Software\Classes\${PROGID}\DefaultIcon" "" "$INSTDIR\packetstage.ico"
  WriteRegStr HKLM "Software\Classes\${PROGID}\shell\open\command" "" "$\"$INSTDIR\${EXENAME}$\" $\"%1$\""
  WriteRegStr HKLM "Software\Classes\.yaml\OpenWithProgids" "${PROGID}" ""
  WriteRegStr HKLM "Software\Classes\.yml\OpenWithProgids" "${PROGID}" ""
  ; The name "Open with" shows for the program, and the types it offers itself for.
  WriteRegStr HKLM "Software\Classes\Applications\${EXENAME}" "FriendlyAppName" "${APPNAME}"
  WriteRegStr HKLM "Software\Classes\Applications\${EXENAME}\SupportedTypes" ".yaml" ""
  WriteRegStr HKLM "Software\Classes\Applications\${EXENAME}\SupportedTypes" ".yml" ""
  WriteRegStr HKLM "Software\Classes\Applications\${EXENAME}\shell\open\command" "" "$\"$INSTDIR\${EXENAME}$\" $\"%1$\""
  System::Call 'shell32::SHChangeNotify(i ${SHCNE_ASSOCCHANGED}, i ${SHCNF_IDLIST}, p 0, p 0)'
SectionEnd

Section /o "Desktop shortcut" SecDesktop
  SetShellVarContext all
  CreateShortCut "$DESKTOP\${APPNAME}.lnk" "$INSTDIR\${EXENAME}" "" "$INSTDIR\packetstage.ico"
SectionEnd

!insertmacro MUI_FUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecMain} "The PacketStage program and its Start-menu shortcut."
  !insertmacro MUI_DESCRIPTION_TEXT ${SecAssoc} "List PacketStage under $\"Open with$\" for .yaml and .yml scene files. Does not change which program opens them by default."
  !insertmacro MUI_DESCRIPTION_TEXT ${SecDesktop} "A PacketStage shortcut on the desktop of every user."
!insertmacro MUI_FUNCTION_DESCRIPTION_END

Function un.onInit
  SetRegView 64
FunctionEnd

Section "Uninstall"
  SetShellVarContext all
  Delete "$SMPROGRAMS\${APPNAME}.lnk"
  Delete "$DESKTOP\${APPNAME}.lnk"

  DeleteRegValue HKLM "Software\Classes\.yaml\OpenWithProgids" "${PROGID}"
  DeleteRegValue HKLM "Software\Classes\.yml\OpenWithProgids" "${PROGID}"
  ; Only keys left empty by the line above go; another program's values or handler keep them.
  DeleteRegKey /ifempty /ifnovalues HKLM "Software\Classes\.yaml\OpenWithProgids"
  DeleteRegKey /ifempty /ifnovalues HKLM "Software\Classes\.yml\OpenWithProgids"
  DeleteRegKey /ifempty /ifnovalues HKLM "Software\Classes\.yaml"
  DeleteRegKey /ifempty /ifnovalues HKLM "Software\Classes\.yml"
  DeleteRegKey HKLM "Software\Classes\${PROGID}"
  DeleteRegKey HKLM "Software\Classes\Applications\${EXENAME}"
  DeleteRegKey HKLM "${UNINSTKEY}"
  System::Call 'shell32::SHChangeNotify(i ${SHCNE_ASSOCCHANGED}, i ${SHCNF_IDLIST}, p 0, p 0)'

  ; The installer only installs into an empty folder or over PacketStage, so the folder is ours.
  ${If} ${FileExists} "$INSTDIR\${EXENAME}"
    RMDir /r "$INSTDIR"
  ${Else}
    Delete "$INSTDIR\uninstall.exe"
    RMDir "$INSTDIR"
  ${EndIf}
SectionEnd
