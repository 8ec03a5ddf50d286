; Inno Setup 6 script: Sentiment Studio setup program for 64-bit Windows.
;
; Input: dist\sentiment-studio\ built by packaging\sentiment_studio.spec (PyInstaller one-folder,
; executable sentiment-studio.exe). Output: dist\sentiment-studio-<version>-windows-x64-setup.exe.
; Build it with packaging\windows\build.ps1 (which runs PyInstaller, then ISCC with
; /DAppVersion=<desktop_app.__version__>), or by hand from the repository root:
;   "%ProgramFiles(x86)%\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 packaging\windows\sentiment-studio.iss
;
; Keep in step with the spec: the folder and executable names (APP_ID), the app name and the
; .sstudio document type (also in the spec's macOS Info.plist and packaging/linux/*-mime.xml).

#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=X.Y.Z (packaging\windows\build.ps1 does)
#endif
#define AppName "Sentiment Studio"
#define AppExe "sentiment-studio.exe"
#define ProgId "SentimentStudio.Project"
#define SourceDir "..\..\dist\sentiment-studio"

[Setup]
; A fixed AppId: upgrades replace the installed version instead of installing beside it.
AppId={{6F1C2B7E-3D5A-4E8F-9A41-5B2C7D9E0F13}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Sentiment Studio developers
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
OutputDir=..\..\dist
OutputBaseFilename=sentiment-studio-{#AppVersion}-windows-x64-setup
; The app is about 1 GB, mostly torch: fast LZMA2 keeps the build to minutes.
Compression=lzma2/fast
SolidCompression=no
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Per-user install without admin rights by default; the dialog offers all users.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ChangesAssociations=yes
WizardStyle=modern
MinVersion=10.0

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Label, train, predict and explain text sentiment"
Name: "{group}\Uninstall {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Registry]
; .sstudio project files open in the app on double-click (HKA: HKCU or HKLM, as installed).
Root: HKA; Subkey: "Software\Classes\.sstudio"; ValueType: string; ValueName: ""; ValueData: "{#ProgId}"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.sstudio"; ValueType: string; ValueName: "Content Type"; ValueData: "application/x-sentiment-studio-project"; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\.sstudio\OpenWithProgids"; ValueType: string; ValueName: "{#ProgId}"; ValueData: ""; Flags: uninsdeletevalue
Root: HKA; Subkey: "Software\Classes\{#ProgId}"; ValueType: string; ValueName: ""; ValueData: "Sentiment Studio project"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\{#ProgId}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#AppExe},0"
Root: HKA; Subkey: "Software\Classes\{#ProgId}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\{#AppExe}"" ""%1"""
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}"; ValueType: string; ValueName: "FriendlyAppName"; ValueData: "{#AppName}"; Flags: uninsdeletekey
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\SupportedTypes"; ValueType: string; ValueName: ".sstudio"; ValueData: ""
Root: HKA; Subkey: "Software\Classes\Applications\{#AppExe}\SupportedTypes"; ValueType: string; ValueName: ".csv"; ValueData: ""

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Byte-code caches or data (nltk_data) added to the install folder after installation.
Type: filesandordirs; Name: "{app}"
